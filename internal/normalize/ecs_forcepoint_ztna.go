package normalize

// Forcepoint ztna: a user's connection to a private application through
// zero-trust network access: category network, type connection, and start
// and allowed when allowed, denied when refused; the action word is
// event.action. The application's address and port are destination, its
// name network.application (lower case, as ECS wants), the protocol
// network.protocol or, for TCP, UDP and ICMP, network.transport.
func ecsForcepointZTNA(e *ecsEvent) {
	action := e.fs.text(fpAction)
	o := parseOutcome(action)
	h := e.fpHeader("event", fpAction, activitySeverity(o))
	var decision string
	decision, h.outcome = ecsDecision(o, action)
	h.category[0] = "network"
	switch decision {
	case "allowed":
		h.typ = [3]string{"connection", "start", "allowed"}
	default:
		h.typ = [3]string{"connection", decision}
	}
	e.begin(h)
	e.eventEnd()
	e.sameAsID(fpTransactionID)
	e.observer("proxy", noSlot, noSlot, noSlot)
	e.user(fpUser, fpEmail, fpUserGroup)
	e.fpSource(fpIPAddress, noSlot)
	e.fpHost()
	e.endpointOpen("destination", fpDestinationIP, noSlot, fpDestinationPort, noSlot)
	e.w.end()
	e.network(fpProtocol, fpApplication)
	e.rule(fpPolicyID, noSlot)
}
