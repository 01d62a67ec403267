package normalize

// OCSF writers shared by the Forcepoint streams. Forcepoint names a field
// the same in every log type, so one writer serves every stream that has
// the field; a stream without it simply gets nothing.

// fpHeader is the header of a Forcepoint event: its time text is "time".
func (e *ocsfEvent) fpHeader(c ocsfClass, a activity, sev int, p profile) header {
	return header{class: c, activity: a, severity: sev, profiles: p, origTime: e.taken(fpTime)}
}

// fpSource writes src_endpoint: the user's address, device and location.
func (e *ocsfEvent) fpSource(ip slot) {
	e.w.obj("src_endpoint")
	e.ip("ip", ip)
	e.str("uid", fpDeviceGUID)
	e.osField(fpDevice)
	e.fpLocation()
	e.w.end()
}

// fpLocation writes location from the CASB logs' location field or from
// the web logs' countrycode and customlocation. location needs a city,
// region or country; the whole text is kept in desc.
func (e *ocsfEvent) fpLocation() {
	w := &e.w
	w.obj("location")
	if v := e.fs.text(fpLocation); v != nil {
		p := parsePlace(v)
		w.opt("city", p.city)
		w.opt("region", p.region)
		w.opt("country", p.country)
		if w.comma {
			e.str("desc", fpLocation)
		}
	} else if isCountryCode(e.fs.text(fpCountryCode)) {
		e.str("country", fpCountryCode)
		e.str("desc", fpCustomLocation)
	}
	w.end()
}

// fpCloudProfile is the cloud profile when the record names the cloud
// application; cloud.provider, which the profile requires, is that name.
func (e *ocsfEvent) fpCloudProfile() profile {
	if e.fs.text(fpApplication) != nil {
		return profCloud
	}
	return 0
}

// fpCloud writes cloud: the SaaS application a CASB record is about, and
// the customer's instance of it.
func (e *ocsfEvent) fpCloud() {
	if e.fs.text(fpApplication) == nil {
		return
	}
	w := &e.w
	w.obj("cloud")
	e.str("provider", fpApplication)
	w.obj("account")
	e.str("uid", fpOrgID)
	e.str("name", fpInstanceName)
	w.end()
	w.end()
}

// fpUserAgent writes http_request with the user agent only, for log types
// that record no request.
func (e *ocsfEvent) fpUserAgent() {
	e.w.obj("http_request")
	e.str("user_agent", fpUserAgent)
	e.w.end()
}

// reputations maps Forcepoint's web reputation to risk_level_id.
var reputations = map[string]int{"trustworthy": 0, "low risk": 1, "moderate risk": 2, "suspicious": 2, "high risk": 3}

var riskLevels = [...]string{"Info", "Low", "Medium", "High", "Critical"}

// fpReputation writes risk_level from webreputation.
func (e *ocsfEvent) fpReputation() {
	if id, ok := lookupFold(reputations, e.fs.text(fpWebReputation)); ok {
		e.w.int("risk_level_id", int64(id))
		e.w.strS("risk_level", riskLevels[id])
	}
}
