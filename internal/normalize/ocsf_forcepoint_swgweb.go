package normalize

// Forcepoint swgweb: one web request through the secure web gateway. It is
// an HTTP transaction seen by a proxy, so HTTP Activity (4002), with the
// activity named by the request method.
func ocsfForcepointSWGWeb(e *ocsfEvent) {
	o := parseOutcome(e.fs.text(fpAction))
	h := e.fpHeader(classHTTP, e.httpActivity(fpRequestMethod), activitySeverity(o), profHost|profSecurityControl)
	if ms, ok := forcepointTime(e.fs.text(fpIndexedTime)); ok {
		h.loggedMS = ms
	}
	e.begin(h)
	e.sameAsID(fpTransactionID)
	e.actor(fpUser, fpEmail, fpUserGroup)
	e.fpSource(fpIPAddress)
	e.endpoint("dst_endpoint", fpDestinationIP, fpRequestDomain, fpRequestPort)
	e.fpWebRequest()
	e.httpResponse(fpResponseCode, noSlot)
	e.traffic(fpSize, fpUploadedBytes)
	e.str("app_name", fpApplication)
	e.protocol(fpProtocol)
	e.policy("policy", fpPolicyID)
	e.fpReputation()
	e.outcome(o, fpAction)
}

// fpWebRequest writes http_request of a web log record.
func (e *ocsfEvent) fpWebRequest() {
	e.w.obj("http_request")
	e.httpMethod(fpRequestMethod)
	e.urlField(fpURL, fpWebCategories, ',')
	e.str("referrer", fpReferrer)
	e.str("user_agent", fpUserAgent)
	e.str("uid", fpSETransactionID)
	e.w.end()
}
