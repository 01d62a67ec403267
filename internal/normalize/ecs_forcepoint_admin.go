package normalize

// Forcepoint admin: an administrator's action in the SSE portal ("Policy
// Change", "User Added", "Login"), the vendor's word being event.action. A
// log-in or log-out is authentication (start, end); any other action
// changes the configuration, typed by its words (Added → creation, Change
// → change, Deleted → deletion, View → access, else info). The portal is
// the service.
func ecsForcepointAdmin(e *ecsEvent) {
	h := e.fpHeader("event", fpActivity, sevInfo)
	adminCategory(&h)
	e.begin(h)
	e.eventEnd()
	e.observer("", noSlot, noSlot, noSlot)
	e.user(fpUser, fpEmail, noSlot)
	e.fpSource(fpIPAddress, noSlot)
	e.fpHost()
	e.userAgent(fpUserAgent)
	e.w.obj("service")
	e.str("name", fpApplication)
	e.w.end()
	e.str("message", fpDetails)
}
