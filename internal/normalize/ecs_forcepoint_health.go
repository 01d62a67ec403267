package normalize

// Forcepoint healthproxy, healthapi and healthsystem: periodic status of
// the service's proxies, of its API connections to cloud applications, and
// of its components. A status report is the state of something (kind
// state); ECS has no category for a service's health, so these are not
// categorized (as OCSF's Base Event). The status word is service.state,
// and reads as the outcome (Healthy success, Down failure, Degraded
// unknown) and the severity. The three streams share this file: they
// differ only in what the status is about.

// ecsForcepointHealthProxy: a proxy instance (observer.name) in a region
// (observer.geo.name), serving an application (cloud.service.name).
func ecsForcepointHealthProxy(e *ecsEvent) {
	e.healthBegin()
	e.observer("proxy", fpProxyInstance, noSlot, fpRegion)
	e.fpCloud()
	e.healthEnd(noSlot)
}

// ecsForcepointHealthAPI: the service's calls to an application's API; the
// last call's HTTP status is http.response.status_code.
func ecsForcepointHealthAPI(e *ecsEvent) {
	e.healthBegin()
	e.observer("", noSlot, noSlot, noSlot)
	e.fpCloud()
	e.http(noSlot, noSlot, noSlot, fpResponseCode)
	e.healthEnd(noSlot)
}

// ecsForcepointHealthSystem: a component of the service (service.name) in
// a region (its load stays under forcepoint).
func ecsForcepointHealthSystem(e *ecsEvent) {
	e.healthBegin()
	e.observer("", noSlot, noSlot, fpRegion)
	e.healthEnd(fpComponent)
}

// ecsHealthOutcomes is event.outcome of each health state.
var ecsHealthOutcomes = [...]string{healthNone: "", healthUp: "success", healthDown: "failure", healthOther: "unknown"}

func (e *ecsEvent) healthBegin() {
	h := healthOf(e.fs.text(fpStatus))
	e.begin(ecsHeader{kind: "state", outcome: ecsHealthOutcomes[h.state], severity: h.severity})
	e.eventEnd()
}

// healthEnd writes service (the component, its state) and the details.
func (e *ecsEvent) healthEnd(component slot) {
	e.w.obj("service")
	e.str("name", component)
	e.str("state", fpStatus)
	e.w.end()
	e.str("message", fpDetails)
}
