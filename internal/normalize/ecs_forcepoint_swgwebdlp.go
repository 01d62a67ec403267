package normalize

// Forcepoint swgwebdlp: the web gateway's DLP engine found sensitive
// content, or a threat, in a web transfer: an alert, category file and
// network (and malware with a threat indicator), type info and the DLP
// action's decision, dlpaction being event.action. Unlike OCSF's finding,
// an ECS document has room for the whole request, so it is mapped as in
// swgweb; the document is file (name, extension, hashes), the DLP pattern
// rule.name, the threat threat.software.name.
func ecsForcepointSWGWebDLP(e *ecsEvent) {
	action := e.fs.text(fpDLPAction)
	o := parseOutcome(action)
	threat := e.fs.text(fpThreatIndicator) != nil
	h := e.fpHeader("alert", fpDLPAction, findingSeverity(e.fs.text(fpDLPPattern) != nil, o.threat || threat))
	var decision string
	decision, h.outcome = ecsDecision(o, action)
	h.category = [3]string{"file", "network"}
	h.typ = [3]string{"info", decision}
	if threat {
		h.category[2] = "malware"
	}
	e.begin(h)
	e.fpDate("created", fpIndexedTime)
	e.eventEnd()
	e.sameAsID(fpTransactionID)
	e.fpWeb()
	w := &e.w
	w.obj("file")
	e.str("name", fpFilename)
	e.str("extension", fpDocExtension)
	w.obj("hash")
	e.str("md5", fpDocMD5)
	e.str("sha1", fpDocSHA1)
	e.str("sha256", fpDocSHA256)
	w.end()
	w.end()
	e.rule(fpPolicyID, fpDLPPattern)
	e.threat(fpThreatIndicator)
}
