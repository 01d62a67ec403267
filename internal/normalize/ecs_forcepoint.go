package normalize

// ECS writers shared by the Forcepoint streams. Forcepoint names a field
// the same in every log type, so one writer serves every stream that has
// the field; a stream without it simply gets nothing.

// fpHeader is the header of a Forcepoint document whose vendor's word for
// what happened is in slot action.
func (e *ecsEvent) fpHeader(kind string, action slot, severity int) ecsHeader {
	return ecsHeader{kind: kind, action: e.taken(action), severity: severity}
}

// fpDate writes slot s, a Forcepoint time, as the date member k. The text
// is parsed, not carried: it stays under forcepoint.
func (e *ecsEvent) fpDate(k string, s slot) {
	if ms, ok := forcepointTime(e.fs.text(s)); ok {
		e.timeMS(k, ms)
	}
}

// fpSource writes source: the user's address, the bytes they sent, and
// their place.
func (e *ecsEvent) fpSource(ip, sent slot) {
	e.endpointOpen("source", ip, noSlot, noSlot, sent)
	e.fpGeo()
	e.w.end()
}

// fpGeo writes geo from the CASB logs' location ("City||Region||Code||CC":
// city, region name, ISO 3166-2 region code, country code; the text itself
// stays under forcepoint) or from the web logs' countrycode, country and
// customlocation (the customer's name for the place).
func (e *ecsEvent) fpGeo() {
	w := &e.w
	w.obj("geo")
	if v := e.fs.text(fpLocation); v != nil {
		p := parsePlace(v)
		w.opt("city_name", p.city)
		w.opt("region_name", p.regionName)
		if p.country != nil && len(p.regionCode) > 0 {
			w.key("region_iso_code")
			w.b = append(w.b, '"', p.country[0], p.country[1], '-')
			w.b = append(appendEscaped(w.b, p.regionCode), '"')
		}
		w.opt("country_iso_code", p.country)
	} else {
		if isCountryCode(e.fs.text(fpCountryCode)) {
			e.str("country_iso_code", fpCountryCode)
		}
		e.str("country_name", fpCountry)
		e.str("name", fpCustomLocation)
	}
	w.end()
}

// fpHost writes host, the user's device: its id and operating system.
func (e *ecsEvent) fpHost() {
	w := &e.w
	w.obj("host")
	e.str("id", fpDeviceGUID)
	if v := e.fs.text(fpDevice); v != nil {
		w.obj("os")
		e.str("full", fpDevice) // "iOS 17.1": name and version
		if t := osTypeOf(v); t.ecs != "" {
			w.strS("type", t.ecs)
		}
		w.end()
	}
	w.end()
}

// fpCloud writes cloud: the SaaS application a CASB record is about
// (service.name) and the customer's instance of it (account).
func (e *ecsEvent) fpCloud() {
	w := &e.w
	w.obj("cloud")
	w.obj("account")
	e.str("id", fpOrgID)
	e.str("name", fpInstanceName)
	w.end()
	w.obj("service")
	e.str("name", fpApplication)
	w.end()
	w.end()
}

// fpEmail writes email, for CASB records of a mail: subject, addresses
// (comma-separated lists) and when it was sent. A record without a subject
// or an address is not about a mail, whatever its sending time says.
func (e *ecsEvent) fpEmail() {
	fs := &e.fs
	if fs.text(fpEmailSubject) == nil && fs.text(fpEmailFrom) == nil && fs.text(fpEmailTo) == nil &&
		fs.text(fpEmailCC) == nil && fs.text(fpEmailBCC) == nil {
		return
	}
	w := &e.w
	w.obj("email")
	e.str("subject", fpEmailSubject)
	e.addresses("from", fpEmailFrom)
	e.addresses("to", fpEmailTo)
	e.addresses("cc", fpEmailCC)
	e.addresses("bcc", fpEmailBCC)
	e.fpDate("origination_timestamp", fpEmailSentTime)
	w.end()
}

// addresses writes an e-mail address list as k.address.
func (e *ecsEvent) addresses(k string, s slot) {
	e.w.obj(k)
	e.list("address", s, ',')
	e.w.end()
}
