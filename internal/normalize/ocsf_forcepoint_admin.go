package normalize

// Forcepoint admin: an administrator's action in the SSE portal ("Policy
// Change", "User Added", "Login"). The records name the action but not the
// object it changed, which Entity Management requires, so actions are API
// Activity (6003) on the portal (api.operation is the vendor's activity);
// log-ins and log-outs are Authentication (3002).
func ocsfForcepointAdmin(e *ocsfEvent) {
	if act, ok := adminLogin(e.fs.text(fpActivity)); ok {
		e.adminAuth(e.fpHeader(classAuth, act, sevInfo, 0), fpUser, fpEmail, fpApplication)
	} else {
		e.begin(e.fpHeader(classAPI, e.crudActivity(fpActivity), sevInfo, 0))
		e.actor(fpUser, fpEmail, noSlot)
		e.adminAPI()
	}
	e.fpSource(fpIPAddress)
	e.fpUserAgent()
	e.str("message", fpDetails)
}

// adminAPI writes api: the operation, which api requires, and the portal.
func (e *ocsfEvent) adminAPI() {
	if e.fs.text(fpActivity) == nil {
		return
	}
	e.w.obj("api")
	e.str("operation", fpActivity)
	e.w.obj("service")
	e.str("name", fpApplication)
	e.w.end()
	e.w.end()
}
