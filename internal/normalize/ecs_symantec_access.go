package normalize

import "math"

// Symantec accesslog (and accesslog-backfill, the same lines downloaded
// later): one request through the Cloud SWG proxy, an ELFF line. As
// Forcepoint's swgweb: category network and web, type access and the
// decision of sc-filter-result (event.action); malware too when x-virus-id
// names one. The client is source and host (the client connector's
// device), the origin server destination, the proxy observer (appliance
// name, s-ip); the URL is rebuilt from the cs-uri-* columns into url.full.
// The x-cs-* TLS columns, the client's connection, are tls.
func ecsSymantecAccess(e *ecsEvent) {
	action := e.fs.text(syFilterResult)
	o := parseOutcome(action)
	h := ecsHeader{kind: "event", action: e.taken(syFilterResult), severity: activitySeverity(o)}
	var decision string
	decision, h.outcome = ecsDecision(o, action)
	h.category = [3]string{"network", "web"}
	h.typ = [3]string{"access", decision}
	if e.fs.text(syVirusID) != nil {
		h.severity = sevHigh
		h.category[2], h.typ[2] = "malware", "info"
	}
	e.begin(h)
	e.num("risk_score", syThreatRisk)
	e.str("reason", syExceptionID)
	e.durationMS(syTimeTaken)
	e.eventEnd()
	w := &e.w
	e.observer("proxy", syAppliance, syServerIP, noSlot)
	if e.rec.Tenant == "" { // else the source's tenant is organization.id, and this stays under symantec
		w.obj("organization")
		e.str("id", syTenant)
		w.end()
	}
	e.user(syUserDN, noSlot, syAuthGroups)
	e.endpointOpen("source", syClientIP, noSlot, noSlot, syCSBytes)
	w.obj("geo")
	e.str("country_name", syClientCountry)
	e.str("name", syLocationName)
	w.end()
	w.end()
	e.syHost()
	domain := syHost
	if isIP(e.fs.text(syHost)) {
		domain = noSlot
	}
	e.endpointOpen("destination", syRemoteIP, domain, syPort, sySCBytes)
	w.obj("geo")
	e.str("country_name", syRemoteCountry)
	w.end()
	w.end()
	e.syURLObject()
	e.http(syTransactionUUID, syMethod, syReferer, syStatus)
	e.userAgent(syUserAgent)
	e.network(noSlot, syAppName)
	e.tls(syCSTLSVersion, syCSCipher)
	e.threat(syVirusID)
}

// durationMS writes slot s, milliseconds, as event.duration in
// nanoseconds. The column is converted, not carried: it stays under
// symantec.
func (e *ecsEvent) durationMS(s slot) {
	if n, ok := parseInt(e.fs.text(s)); ok && n >= 0 && n <= math.MaxInt64/1_000_000 {
		e.w.int("duration", n*1_000_000)
	}
}

// syHost writes host: the client connector's device and its OS, decoded
// from x-client-os.
func (e *ecsEvent) syHost() {
	w := &e.w
	w.obj("host")
	e.str("id", syDeviceID)
	e.str("name", syDeviceName)
	if v := e.fs.text(syClientOS); v != nil {
		name, version := clientOS(v)
		w.obj("os")
		w.opt("name", name)
		w.opt("version", version)
		if t := osTypeOf(name); len(name) > 0 && t.ecs != "" {
			w.strS("type", t.ecs)
		}
		w.end()
	}
	w.end()
}

// syURLObject writes url from the cs-uri-* columns: full rebuilt from them
// (with a scheme; it holds cs-uri-query as written, so the column counts as
// carried although query drops its "?"), and each part.
func (e *ecsEvent) syURLObject() {
	w := &e.w
	w.obj("url")
	if full := e.syURL(); full != nil && e.fs.text(syScheme) != nil {
		w.str("full", full)
		e.fs.use(syQuery)
	}
	e.str("scheme", syScheme)
	if host := e.fs.text(syHost); host != nil {
		e.urlDomain(host)
		e.fs.use(syHost)
	}
	e.port("port", syPort)
	e.str("path", syPath)
	if q := e.fs.text(syQuery); len(q) > 0 && q[0] == '?' {
		w.opt("query", q[1:])
	} else {
		e.str("query", syQuery)
	}
	if x := e.fs.text(syURIExtension); len(x) > 0 && x[0] == '.' {
		w.opt("extension", x[1:])
	} else {
		e.str("extension", syURIExtension)
	}
	w.end()
}

// tls writes tls: the version as ECS splits it ("TLSv1.3" is version 1.3,
// version_protocol tls; the column stays under symantec) and the cipher.
func (e *ecsEvent) tls(version, cipher slot) {
	w := &e.w
	w.obj("tls")
	if proto, num := tlsVersion(e.fs.text(version)); num != nil {
		w.str("version", num)
		w.strS("version_protocol", proto)
	}
	e.str("cipher", cipher)
	w.end()
}

// tlsVersion reads "TLSv1.3", "TLS 1.2" or "SSLv3" as a protocol in lower
// case and its version number; nil when v is none of these.
func tlsVersion(v []byte) (proto string, num []byte) {
	if len(v) < 4 {
		return "", nil
	}
	switch low, _ := lowerWord(v[:3]); string(low.bytes()) {
	case "tls":
		proto = "tls"
	case "ssl":
		proto = "ssl"
	default:
		return "", nil
	}
	num = v[3:]
	if c := num[0]; c == 'v' || c == 'V' || c == ' ' {
		num = num[1:]
	}
	if len(num) == 0 || num[0] < '0' || num[0] > '9' {
		return "", nil
	}
	for _, c := range num {
		if !(c >= '0' && c <= '9' || c == '.') {
			return "", nil
		}
	}
	return proto, num
}
