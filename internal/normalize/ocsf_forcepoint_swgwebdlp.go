package normalize

// Forcepoint swgwebdlp: the DLP engine of the web gateway found sensitive
// content (or a threat) in a web transfer. That is a finding about data,
// so Data Security Finding (2006); the transfer's endpoints, user and file
// are its context. Web details a finding has no place for (method, status,
// categories, bytes) stay in unmapped.
func ocsfForcepointSWGWebDLP(e *ocsfEvent) {
	o := parseOutcome(e.fs.text(fpDLPAction))
	sev := findingSeverity(e.fs.text(fpDLPPattern) != nil, o.threat || e.fs.text(fpThreatIndicator) != nil)
	e.begin(e.fpHeader(classDataSecurity, activityCreate, sev, profSecurityControl))
	e.findingInfo(fpTransactionID, fpSETransactionID, fpDLPPattern)
	e.actor(fpUser, fpEmail, fpUserGroup)
	e.fpSource(fpIPAddress)
	e.endpoint("dst_endpoint", fpDestinationIP, fpRequestDomain, fpRequestPort)
	e.dlpFile()
	e.dataSecurity(dataSecurity{system: detectionSWG, state: dataInTransit, pattern: fpDLPPattern,
		match: fpKeyword, policy: fpPolicyID, labels: noSlot})
	e.urlResource(fpURL)
	e.malware(fpThreatIndicator)
	e.outcome(o, fpDLPAction)
}

// dlpFile writes the inspected document: name, extension and hashes.
func (e *ocsfEvent) dlpFile() {
	if e.fs.text(fpFilename) == nil {
		return
	}
	w := &e.w
	e.fileOpen(fpFilename)
	e.str("ext", fpDocExtension)
	w.arr("hashes")
	e.hash(1, "MD5", fpDocMD5)
	e.hash(2, "SHA-1", fpDocSHA1)
	e.hash(3, "SHA-256", fpDocSHA256)
	w.end()
	w.end()
}

// hash writes a fingerprint element.
func (e *ocsfEvent) hash(id int64, name string, s slot) {
	if e.fs.text(s) == nil {
		return
	}
	e.w.elem()
	e.w.int("algorithm_id", id)
	e.w.strS("algorithm", name)
	e.str("value", s)
	e.w.end()
}

// urlResource names the web resource the data went to: a finding has no
// url attribute, and resources is its place for "where" beyond files.
func (e *ocsfEvent) urlResource(s slot) {
	if e.fs.text(s) == nil {
		return
	}
	e.w.arr("resources")
	e.w.elem()
	e.str("name", s)
	e.w.strS("type", "URL")
	e.w.end()
	e.w.end()
}
