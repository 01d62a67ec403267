package normalize

// Forcepoint cloudsummary: the state of a file in a cloud application (its
// classification labels, the DLP patterns it matches, where it was). The
// same finding about data at rest as cloudaudit, without an actor.
func ocsfForcepointCloudSummary(e *ocsfEvent) {
	e.cloudFileFinding(cloudFile{actor: noSlot, actorIP: noSlot, title: noSlot, labels: fpClassifyLabels})
}
