package normalize

// Forcepoint cloudaudit: the API-mode CASB scanned a file in a cloud
// application (its sharing, the DLP patterns it matches) and acted on it.
// That is a finding about data at rest: Data Security Finding (2006). The
// actor is whoever did what was audited.
func ocsfForcepointCloudAudit(e *ocsfEvent) {
	e.cloudFileFinding(cloudFile{actor: fpActor, actorIP: fpActorIP, title: fpActivity, labels: noSlot})
}

// cloudFile names the fields that differ between the two CASB file logs.
type cloudFile struct {
	actor, actorIP, title, labels slot
}

// cloudFileFinding writes a CASB file record (cloudaudit, cloudsummary) as
// a Data Security Finding about the file.
func (e *ocsfEvent) cloudFileFinding(c cloudFile) {
	o := parseOutcome(e.fs.text(fpAction))
	sev := findingSeverity(e.fs.text(fpPatterns) != nil, o.threat)
	e.begin(e.fpHeader(classDataSecurity, activityCreate, sev, profSecurityControl|e.fpCloudProfile()))
	e.sameAsID(fpFileID)
	e.findingInfo(fpFileID, noSlot, c.title)
	e.actor(c.actor, c.actor, noSlot)
	e.w.obj("src_endpoint")
	e.ip("ip", c.actorIP)
	e.w.end()
	e.cloudFileObject()
	e.dataSecurity(dataSecurity{system: detectionCASB, state: dataAtRest, pattern: fpPatterns,
		match: noSlot, policy: fpPolicyID, labels: c.labels})
	e.fpCloud()
	e.outcome(o, fpAction)
}

// cloudFileObject writes the file (which needs a name) or, for a record
// without a file name, the file's id as a resource.
func (e *ocsfEvent) cloudFileObject() {
	w := &e.w
	if e.fs.text(fpFilename) == nil {
		if e.fs.text(fpFileID) == nil {
			return
		}
		w.arr("resources")
		w.elem()
		e.str("uid", fpFileID)
		w.strS("type", "File")
		e.user("owner", fpOwner, fpOwner, noSlot)
		w.end()
		w.end()
		return
	}
	e.fileOpen(fpFilename)
	e.str("uid", fpFileID)
	e.num("size", fpSize)
	e.str("parent_folder", fpFolder)
	e.fileExposure()
	e.user("owner", fpOwner, fpOwner, noSlot)
	e.urlField(fpFileLink, noSlot, 0)
	w.end()
}

// fileExposure writes is_public (a cloud profile attribute) from the
// sharing status, when it says.
func (e *ocsfEvent) fileExposure() {
	if !e.has(profCloud) {
		return
	}
	switch string(e.fs.text(fpStatus)) {
	case "Public":
		e.w.bool("is_public", true)
	case "Private", "Internal":
		e.w.bool("is_public", false)
	}
}
