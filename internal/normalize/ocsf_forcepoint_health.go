package normalize

// Forcepoint healthproxy, healthapi and healthsystem: periodic status of
// the service's proxies, of its API connections to cloud applications, and
// of its components. OCSF 1.8 has no class for service health or metrics;
// Application Error would call every "Healthy" report an error, so these
// are Base Events (class 0, the schema's class for events it does not
// otherwise define), activity Other, with the status normalized into
// status_id and severity. The three streams share this file: they differ
// only in what the status is about.

// ocsfForcepointHealthProxy: a proxy instance in a region, serving an
// application.
func ocsfForcepointHealthProxy(e *ocsfEvent) {
	e.healthBegin(profHost|e.fpCloudProfile(), nil)
	e.w.obj("device")
	e.str("name", fpProxyInstance)
	e.str("region", fpRegion)
	if e.w.comma {
		e.w.int("type_id", 1)
		e.w.strS("type", "Server")
	}
	e.w.end()
	e.fpCloud()
	e.healthEnd()
}

// ocsfForcepointHealthAPI: the service's calls to an application's API.
func ocsfForcepointHealthAPI(e *ocsfEvent) {
	e.healthBegin(e.fpCloudProfile(), nil)
	if e.has(profCloud) && e.fs.text(fpAPIName) != nil { // api comes with the cloud profile
		e.w.obj("api")
		e.str("operation", fpAPIName)
		e.w.obj("response")
		e.num("code", fpResponseCode)
		e.w.end()
		e.w.end()
	}
	e.fpCloud()
	e.healthEnd()
}

// ocsfForcepointHealthSystem: a component of the service (its load stays
// in unmapped: OCSF has no attribute for a component's CPU or memory).
func ocsfForcepointHealthSystem(e *ocsfEvent) {
	e.healthBegin(0, e.taken(fpComponent))
	e.healthEnd()
}

// healthBegin writes the header; feature names the component reported on.
func (e *ocsfEvent) healthBegin(p profile, feature []byte) {
	sev := healthOf(e.fs.text(fpStatus)).severity
	h := e.fpHeader(classBase, activity{99, "Other"}, sev, p)
	h.feature = feature
	e.begin(h)
}

// healthEnd writes the status and its details.
func (e *ocsfEvent) healthEnd() {
	switch healthOf(e.fs.text(fpStatus)).state {
	case healthUp:
		e.w.int("status_id", 1)
		e.w.strS("status", "Success")
	case healthDown:
		e.w.int("status_id", 2)
		e.w.strS("status", "Failure")
	case healthOther:
		e.w.int("status_id", 99)
		e.str("status", fpStatus)
	}
	e.str("message", fpDetails)
}
