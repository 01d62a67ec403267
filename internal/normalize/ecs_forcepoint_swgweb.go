package normalize

// Forcepoint swgweb: one web request through the secure web gateway:
// category network and web, type access and the policy's decision
// (allowed or denied), the action word being event.action. The user's side
// is source (address, bytes uploaded, place) and host (device), the web
// server's destination (address, domain, port, bytes downloaded).
func ecsForcepointSWGWeb(e *ecsEvent) {
	action := e.fs.text(fpAction)
	o := parseOutcome(action)
	h := e.fpHeader("event", fpAction, activitySeverity(o))
	var decision string
	decision, h.outcome = ecsDecision(o, action)
	h.category = [3]string{"network", "web"}
	h.typ = [3]string{"access", decision}
	e.begin(h)
	e.fpDate("created", fpIndexedTime)
	e.eventEnd()
	e.sameAsID(fpTransactionID)
	e.fpWeb()
	e.rule(fpPolicyID, noSlot)
}

// fpWeb writes what the web gateway logs of a request: observer, user,
// both ends, url, http, user agent and network.
func (e *ecsEvent) fpWeb() {
	e.observer("proxy", noSlot, noSlot, noSlot)
	e.user(fpUser, fpEmail, fpUserGroup)
	e.fpSource(fpIPAddress, fpUploadedBytes)
	e.fpHost()
	e.endpointOpen("destination", fpDestinationIP, fpRequestDomain, fpRequestPort, fpSize)
	e.w.end()
	e.urlField(fpURL)
	e.http(fpSETransactionID, fpRequestMethod, fpReferrer, fpResponseCode)
	e.userAgent(fpUserAgent)
	e.network(fpProtocol, fpApplication)
}
