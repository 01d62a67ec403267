package normalize

// Forcepoint ztna: a user's connection to a private application through
// zero-trust network access: one connection, allowed or refused, between
// the user's device and the application's address and port. Network
// Activity (4001): Open when allowed, Refuse when denied.
func ocsfForcepointZTNA(e *ocsfEvent) {
	o := parseOutcome(e.fs.text(fpAction))
	act := activity{1, "Open"}
	if o.verdict >= verdictIsolated {
		act = activity{5, "Refuse"}
	}
	e.begin(e.fpHeader(classNetwork, act, activitySeverity(o), profHost|profSecurityControl))
	e.sameAsID(fpTransactionID)
	e.actor(fpUser, fpEmail, fpUserGroup)
	e.fpSource(fpIPAddress)
	e.endpoint("dst_endpoint", fpDestinationIP, noSlot, fpDestinationPort)
	e.str("app_name", fpApplication)
	e.protocol(fpProtocol)
	e.policy("policy", fpPolicyID)
	e.outcome(o, fpAction)
}

// transports are the IANA protocol numbers of transport protocol names.
var transports = map[string]int64{"tcp": 6, "udp": 17, "icmp": 1}

// protocol writes a protocol name in lower case, as IANA spells it: a
// transport (TCP) as connection_info, an application protocol (HTTPS, SSH,
// RDP) as app_protocol_name.
func (e *ocsfEvent) protocol(s slot) {
	v := e.fs.text(s)
	low, ok := lowerWord(v)
	if !ok {
		return
	}
	name := low.bytes()
	if num, ok := transports[string(name)]; ok {
		e.w.obj("connection_info")
		e.w.str("protocol_name", name)
		e.w.int("protocol_num", num)
		e.w.int("direction_id", 0)
		e.w.strS("direction", "Unknown")
		e.w.end()
	} else {
		e.w.str("app_protocol_name", name)
	}
	if string(name) == string(v) {
		e.fs.use(s)
	}
}
