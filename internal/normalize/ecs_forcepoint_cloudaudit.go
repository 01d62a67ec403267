package normalize

import "bytes"

// Forcepoint cloudaudit: the API-mode CASB scanned a file in a cloud
// application (its sharing, the DLP patterns it matches) and acted on it.
// A file event (category file; type change for a share, move or edit,
// else info) whose actor is the user; an alert when a DLP pattern matched
// or the vendor flagged a threat (the pattern is rule.name, the policy
// rule.id), else an event. The activity word is event.action.
func ecsForcepointCloudAudit(e *ecsEvent) {
	e.cloudFile(ecsCloudFile{quiet: "event", action: fpActivity, actor: fpActor, actorIP: fpActorIP})
}

// ecsCloudFile names what differs between the two CASB file logs: the kind
// of a record without a match, the field of event.action, and the actor.
type ecsCloudFile struct {
	quiet                  string
	action, actor, actorIP slot
}

// cloudFile writes a CASB file record (cloudaudit, cloudsummary).
func (e *ecsEvent) cloudFile(c ecsCloudFile) {
	action := e.fs.text(fpAction)
	o := parseOutcome(action)
	matched := e.fs.text(fpPatterns) != nil
	kind := c.quiet
	if matched || o.threat {
		kind = "alert"
	}
	h := e.fpHeader(kind, c.action, findingSeverity(matched, o.threat))
	_, h.outcome = ecsDecision(o, action)
	h.category[0], h.typ[0] = "file", "info"
	if t := ecsFileTypes[fileOpOf(h.action)]; t != "" {
		h.typ[0] = t
	}
	e.begin(h)
	e.eventEnd()
	e.sameAsID(fpFileID)
	e.observer("", noSlot, noSlot, noSlot)
	e.user(c.actor, c.actor, noSlot)
	e.w.obj("source")
	e.ip("ip", c.actorIP)
	e.w.end()
	e.cloudFileObject()
	e.urlField(fpFileLink)
	e.fpCloud()
	e.rule(fpPolicyID, fpPatterns)
}

// cloudFileObject writes file: its name, folder (directory), path (the
// two joined), size and owner.
func (e *ecsEvent) cloudFileObject() {
	w := &e.w
	w.obj("file")
	name, folder := e.fs.text(fpFilename), e.fs.text(fpFolder)
	e.str("name", fpFilename)
	e.str("directory", fpFolder)
	if name != nil && folder != nil {
		sep := byte('/')
		if bytes.IndexByte(folder, '\\') >= 0 && bytes.IndexByte(folder, '/') < 0 {
			sep = '\\'
		}
		w.key("path")
		w.b = appendEscaped(append(w.b, '"'), folder)
		if folder[len(folder)-1] != sep {
			w.b = appendEscaped(w.b, []byte{sep})
		}
		w.b = append(appendEscaped(w.b, name), '"')
	}
	e.num("size", fpSize)
	e.str("owner", fpOwner)
	w.end()
}
