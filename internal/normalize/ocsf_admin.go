package normalize

// Writers shared by the two administrators' audit streams (Forcepoint
// admin, Symantec audit). An administrator signing in or out of the portal
// is Authentication (3002) in both, whatever class the stream's other
// records take, so detections of admin log-ins see one class.

// adminLogin is the Authentication activity of an operation word, if it is
// a log-in or log-out.
func adminLogin(op []byte) (activity, bool) {
	switch adminSession(op) {
	case sessionEnd:
		return activity{2, "Logoff"}, true
	case sessionStart:
		return activity{1, "Logon"}, true
	}
	return activity{}, false
}

// crudActivities are the first activities of both API Activity and Entity
// Management.
var crudActivities = [...]activity{
	crudCreate: {1, "Create"}, crudRead: {2, "Read"}, crudUpdate: {3, "Update"}, crudDelete: {4, "Delete"},
}

// crudActivity is the CRUD activity of the operation in slot s, or Other
// (99) with the vendor's word.
func (e *ocsfEvent) crudActivity(s slot) activity {
	v := e.fs.text(s)
	if c := crudOf(v); c != crudNone {
		act := crudActivities[c]
		if string(v) == act.name {
			e.fs.use(s)
		}
		return act
	}
	return e.otherActivity(s)
}

// adminAuth begins an administrator's log-in or log-out: the user, and the
// portal as the service (Authentication needs a service or a destination).
func (e *ocsfEvent) adminAuth(h header, name, email, service slot) {
	e.begin(h)
	e.user("user", name, email, noSlot)
	e.w.obj("service")
	if !e.str("name", service) {
		e.w.strS("name", e.st.product.name)
	}
	e.w.end()
}
