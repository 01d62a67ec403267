package normalize

// Forcepoint access: what a user did in a cloud application through the
// inline CASB. An upload, download, edit, share, rename, move, delete or
// preview of a named file is a file event (category file, the type by what
// was done); anything else (a page visit, a report, a mail) acts on the
// application's web resources: category web, type access. The policy's
// decision is the outcome: a denied upload is a file creation that failed.
// The vendor's activity word is event.action.
func ecsForcepointAccess(e *ecsEvent) {
	action := e.fs.text(fpAction)
	o := parseOutcome(action)
	h := e.fpHeader("event", fpActivity, activitySeverity(o))
	_, h.outcome = ecsDecision(o, action)
	if t := ecsFileTypes[fileOpOf(h.action)]; t != "" && e.fs.text(fpFilename) != nil {
		h.category[0], h.typ[0] = "file", t
	} else {
		h.category[0], h.typ[0] = "web", "access"
	}
	e.begin(h)
	e.eventEnd()
	e.sameAsID(fpTransactionID)
	e.observer("proxy", noSlot, noSlot, noSlot)
	e.user(fpUser, fpEmail, fpUserGroup)
	e.fpSource(fpIPAddress, noSlot)
	e.fpHost()
	e.urlField(fpURL)
	e.userAgent(fpUserAgent)
	e.fpCloud()
	e.fpEmail()
	e.w.obj("file")
	e.str("name", fpFilename)
	e.w.end()
	e.rule(fpPolicyID, fpDLPPattern)
	e.str("message", fpDetails)
}
