package normalize

import "bytes"

// Symantec accesslog (and accesslog-backfill, the same lines downloaded
// later): one request through the Cloud SWG proxy, an ELFF line. HTTP
// Activity (4002) with the activity named by cs-method; the client, the
// proxy (s-ip, the appliance) and the origin server (r-ip) are the three
// endpoints; the x-cs-* TLS columns describe the client's connection to the
// proxy (tls), the x-rs-* ones the proxy's to the server (proxy_tls).
func ocsfSymantecAccess(e *ocsfEvent) {
	o := parseOutcome(e.fs.text(syFilterResult))
	sev := activitySeverity(o)
	if e.fs.text(syVirusID) != nil {
		sev = sevHigh
	}
	e.begin(header{class: classHTTP, activity: e.httpActivity(syMethod), severity: sev,
		profiles: profHost | profNetworkProxy | profSecurityControl, origTime: e.elffTime(),
		tenant: e.vendorTenant(syTenant)})
	e.num("duration", syTimeTaken)
	e.actor(syUserDN, noSlot, syAuthGroups)
	e.syClient()
	e.endpoint("dst_endpoint", syRemoteIP, syHost, syPort)
	e.w.obj("proxy_endpoint")
	e.ip("ip", syServerIP)
	e.str("name", syAppliance)
	e.w.end()
	e.syRequest()
	e.httpResponse(syStatus, syContentType)
	e.traffic(sySCBytes, syCSBytes)
	e.tls("tls", syCSTLSVersion, syCSCipher, syCSCipherSize)
	e.tls("proxy_tls", syRSTLSVersion, syRSCipher, syRSCipherSize)
	e.str("app_name", syAppName)
	e.str("status_code", sySAction)
	e.str("status_detail", syExceptionID)
	e.num("risk_score", syThreatRisk)
	e.malware(syVirusID)
	e.outcome(o, syFilterResult)
}

// elffTime is the line's "date time" (UTC), the vendor's time text.
func (e *ocsfEvent) elffTime() []byte {
	d, t := e.fs.text(syDate), e.fs.text(syTime)
	if d == nil || t == nil {
		return nil
	}
	e.fs.use(syDate)
	e.fs.use(syTime)
	return append(append(append(make([]byte, 0, len(d)+1+len(t)), d...), ' '), t...)
}

// syClient writes src_endpoint: the client address and, for the client
// connector, the device and agent.
func (e *ocsfEvent) syClient() {
	w := &e.w
	w.obj("src_endpoint")
	e.ip("ip", syClientIP)
	e.str("hostname", syDeviceName)
	e.str("uid", syDeviceID)
	if v := e.fs.text(syClientOS); v != nil {
		e.os(clientOS(v))
	}
	if e.fs.text(syAgentType) != nil {
		w.arr("agent_list")
		w.elem()
		e.str("name", syAgentType)
		e.str("version", syAgentSW)
		w.end()
		w.end()
	}
	w.end()
}

// syRequest writes http_request; its url is rebuilt from the cs-uri-*
// columns. url_string holds cs-uri-query as written, so the column counts
// as carried although query_string drops its "?".
func (e *ocsfEvent) syRequest() {
	w := &e.w
	w.obj("http_request")
	e.httpMethod(syMethod)
	w.obj("url")
	full := e.syURL()
	if full != nil {
		w.str("url_string", full)
		e.fs.use(syQuery)
	}
	e.str("scheme", syScheme)
	e.str("hostname", syHost)
	e.port("port", syPort)
	e.str("path", syPath)
	w.opt("query_string", bytes.TrimPrefix(e.fs.text(syQuery), []byte{'?'}))
	if full != nil || e.fs.text(syPath) != nil { // a url needs url_string or path
		e.list("categories", syCategories, ';')
	}
	w.end()
	e.str("referrer", syReferer)
	e.str("user_agent", syUserAgent)
	e.str("uid", syTransactionUUID)
	w.end()
}

// tls writes a TLS object; OCSF requires its version.
func (e *ocsfEvent) tls(k string, version, cipher, keyLength slot) {
	if e.fs.text(version) == nil {
		return
	}
	e.w.obj(k)
	e.str("version", version)
	e.str("cipher", cipher)
	e.num("key_length", keyLength)
	e.w.end()
}
