package normalize

// Symantec audit: an administrator's change in the Cloud SWG portal, naming
// the object type, the operation and the object. A change to a named
// object is Entity Management (3004): entity.type and entity.name are the
// object, the activity is the operation (Create, Update, Delete; others
// such as Execute are Other with the vendor's word). Log-ins and log-outs
// are Authentication (3002).
func ocsfSymantecAudit(e *ocsfEvent) {
	h := header{severity: sevInfo, origTime: e.taken(auDate)}
	if act, ok := adminLogin(e.fs.text(auOperationType)); ok {
		h.class, h.activity = classAuth, act
		e.adminAuth(h, auUser, auUser, noSlot)
	} else {
		h.class, h.activity = classEntity, e.crudActivity(auOperationType)
		e.begin(h)
		e.actor(auUser, auUser, noSlot)
		e.w.obj("entity")
		e.str("name", auObject)
		e.str("type", auObjectType)
		e.w.end()
	}
	e.str("message", auDetails)
}
