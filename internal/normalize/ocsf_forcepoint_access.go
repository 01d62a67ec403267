package normalize

// Forcepoint access: what a user did in a cloud application through the
// inline CASB proxy. A file upload, download, edit or share is File Hosting
// Activity (6006), the class OCSF made for cloud storage; anything else
// (a page visit, a report, a mail) acts on a web resource of the
// application: Web Resources Activity (6001). The application is the cloud
// (cloud.provider), its tenant the cloud account.
func ocsfForcepointAccess(e *ocsfEvent) {
	o := parseOutcome(e.fs.text(fpAction))
	sev := activitySeverity(o)
	prof := profSecurityControl | e.fpCloudProfile()
	act, ok := accessActivity(e.fs.text(fpActivity))
	if ok && act.file.id != 0 && e.fs.text(fpFilename) != nil {
		e.begin(e.fpHeader(classFileHosting, act.file, sev, prof))
		e.accessCommon(o)
		e.fileOpen(fpFilename)
		e.w.end()
		return
	}
	if !ok {
		act.web = e.otherActivity(fpActivity)
	}
	e.begin(e.fpHeader(classWebResources, act.web, sev, prof|profHost))
	e.accessCommon(o)
	e.webResource()
}

// accessCommon writes what both classes of an access record have.
func (e *ocsfEvent) accessCommon(o outcome) {
	e.sameAsID(fpTransactionID)
	e.actor(fpUser, fpEmail, fpUserGroup)
	e.fpSource(fpIPAddress)
	e.w.obj("http_request")
	e.urlField(fpURL, noSlot, 0)
	e.str("user_agent", fpUserAgent)
	e.w.end()
	e.fpCloud()
	e.policy("policy", fpPolicyID)
	e.outcome(o, fpAction)
	e.str("message", fpDetails)
}

// webResource writes web_resources, which is required: the page (or file)
// acted on, or else the application itself.
func (e *ocsfEvent) webResource() {
	w := &e.w
	w.arr("web_resources")
	w.elem()
	if !e.str("name", fpPageTitle) && !e.str("name", fpFilename) && !e.str("name", fpApplication) {
		w.strS("uid", e.rec.ID)
	}
	e.str("url_string", fpURL)
	w.end()
	w.end()
}

// accessActivities are the activities of either class for what a file
// activity word says (file id 0: not a file activity).
var accessActivities = [...]accessAct{
	fileUpload:   {activity{1, "Upload"}, activity{6, "Import"}},
	fileDownload: {activity{2, "Download"}, activity{7, "Export"}},
	fileDelete:   {activity{4, "Delete"}, activity{4, "Delete"}},
	fileRename:   {activity{5, "Rename"}, activity{3, "Update"}},
	fileMove:     {activity{7, "Move"}, activity{3, "Update"}},
	fileUnshare:  {activity{13, "Unshare"}, activity{3, "Update"}},
	fileShare:    {activity{12, "Share"}, activity{8, "Share"}},
	fileEdit:     {activity{3, "Update"}, activity{3, "Update"}},
	filePreview:  {activity{9, "Preview"}, activity{2, "Read"}},
	fileAccess:   {activity{14, "Open"}, activity{2, "Read"}},
	fileSearch:   {activity{}, activity{5, "Search"}},
}

type accessAct struct{ file, web activity }

func accessActivity(v []byte) (accessAct, bool) {
	if op := fileOpOf(v); op != fileNone {
		return accessActivities[op], true
	}
	return accessAct{}, false
}
