package normalize

// Symantec audit: an administrator's change in the Cloud SWG portal,
// naming the object type, the operation (event.action) and the object. As
// Forcepoint's admin log: a Login or Logout is authentication, any other
// operation a configuration change typed by it (Create → creation, Delete
// → deletion, ...; Execute → info). The object is entity.name, its type,
// in Symantec's words, entity.sub_type.
func ecsSymantecAudit(e *ecsEvent) {
	h := ecsHeader{kind: "event", action: e.taken(auOperationType), severity: sevInfo}
	adminCategory(&h)
	e.begin(h)
	e.eventEnd()
	e.observer("", noSlot, noSlot, noSlot)
	e.user(auUser, auUser, noSlot)
	e.w.obj("entity")
	e.str("name", auObject)
	e.str("sub_type", auObjectType)
	e.w.end()
	e.str("message", auDetails)
}
