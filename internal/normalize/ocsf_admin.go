package normalize

// Writers shared by the two administrators' audit streams (Forcepoint
// admin, Symantec audit). An administrator signing in or out of the portal
// is Authentication (3002) in both, whatever class the stream's other
// records take, so detections of admin log-ins see one class.

// adminLogin is the Authentication activity of an operation word, if it is
// a log-in or log-out.
func adminLogin(op []byte) (activity, bool) {
	for _, w := range [...]string{"logout", "log out", "logoff", "log off", "sign out", "signout"} {
		if containsFold(op, w) {
			return activity{2, "Logoff"}, true
		}
	}
	for _, w := range [...]string{"login", "log in", "logon", "log on", "sign in", "signin"} {
		if containsFold(op, w) {
			return activity{1, "Logon"}, true
		}
	}
	return activity{}, false
}

// crudStems map an operation word to Create, Read, Update or Delete, the
// first activities of both API Activity and Entity Management.
var crudStems = []struct {
	stem string
	act  activity
}{
	{"delet", activity{4, "Delete"}}, {"remov", activity{4, "Delete"}},
	{"creat", activity{1, "Create"}}, {"add", activity{1, "Create"}}, {"new", activity{1, "Create"}},
	{"chang", activity{3, "Update"}}, {"updat", activity{3, "Update"}}, {"edit", activity{3, "Update"}},
	{"modif", activity{3, "Update"}}, {"enabl", activity{3, "Update"}}, {"disabl", activity{3, "Update"}},
	{"set", activity{3, "Update"}}, {"mov", activity{3, "Update"}}, {"renam", activity{3, "Update"}},
	{"view", activity{2, "Read"}}, {"read", activity{2, "Read"}}, {"export", activity{2, "Read"}},
	{"download", activity{2, "Read"}}, {"list", activity{2, "Read"}},
}

// crudActivity is the CRUD activity of the operation in slot s, or Other
// (99) with the vendor's word.
func (e *ocsfEvent) crudActivity(s slot) activity {
	v := e.fs.text(s)
	for _, c := range crudStems {
		if containsFold(v, c.stem) {
			if string(v) == c.act.name {
				e.fs.use(s)
			}
			return c.act
		}
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
