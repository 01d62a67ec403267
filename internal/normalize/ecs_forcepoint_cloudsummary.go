package normalize

// Forcepoint cloudsummary: the state of a file in a cloud application (its
// classification labels, the DLP patterns it matches, where it was). As
// cloudaudit without an actor or activity: an alert when a pattern
// matched, else the file's state (kind state); the CASB's action word is
// event.action. The labels have no ECS field and stay under forcepoint.
func ecsForcepointCloudSummary(e *ecsEvent) {
	e.cloudFile(ecsCloudFile{quiet: "state", action: fpAction, actor: noSlot, actorIP: noSlot})
}
