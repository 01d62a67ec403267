package normalize

// Writers shared by the Data Security Finding streams.

// findingInfo writes finding_info. Its uid is required: the vendor's id
// when there is one, else the record id.
func (e *ocsfEvent) findingInfo(uid, uidAlt, title slot) {
	e.w.obj("finding_info")
	if !e.str("uid", uid) {
		e.w.strS("uid", e.rec.ID)
	}
	e.str("uid_alt", uidAlt)
	e.str("title", title)
	e.w.end()
}

// Detection systems and data lifecycle states of data_security.
const (
	detectionSWG  = 5 // Secure Web Gateway
	detectionCASB = 8 // Cloud Access Security Broker
	dataAtRest    = 1
	dataInTransit = 2
)

var detectionSystems = map[int]string{detectionSWG: "Secure Web Gateway", detectionCASB: "Cloud Access Security Broker"}

var lifecycleStates = map[int]string{dataAtRest: "Data at-Rest", dataInTransit: "Data in-Transit"}

// dataSecurity says where a data security finding came from and which
// fields hold its pattern, matched text, policy and classification label.
type dataSecurity struct {
	system, state                  int
	pattern, match, policy, labels slot
}

func (e *ocsfEvent) dataSecurity(d dataSecurity) {
	w := &e.w
	w.obj("data_security")
	w.int("detection_system_id", int64(d.system))
	w.strS("detection_system", detectionSystems[d.system])
	w.int("data_lifecycle_state_id", int64(d.state))
	w.strS("data_lifecycle_state", lifecycleStates[d.state])
	e.str("detection_pattern", d.pattern)
	e.str("pattern_match", d.match)
	e.confidentiality(d.labels)
	e.policy("policy", d.policy)
	w.end()
}

// confidentialities maps classification labels to confidentiality_id.
var confidentialities = map[string]int{"not confidential": 1, "public": 1, "confidential": 2, "secret": 3,
	"top secret": 4, "private": 5, "restricted": 6}

var confidentialityNames = map[int]string{1: "Not Confidential", 2: "Confidential", 3: "Secret", 4: "Top Secret",
	5: "Private", 6: "Restricted"}

// confidentiality writes a classification label as confidentiality; a label
// OCSF does not name is Other (99) with the vendor's text.
func (e *ocsfEvent) confidentiality(s slot) {
	v := e.fs.text(s)
	if v == nil {
		return
	}
	id, _ := lookupFold(confidentialities, v)
	if id == 0 {
		e.w.int("confidentiality_id", 99)
		e.str("confidentiality", s)
		return
	}
	e.w.int("confidentiality_id", int64(id))
	e.w.strS("confidentiality", confidentialityNames[id])
	if string(v) == confidentialityNames[id] {
		e.fs.use(s)
	}
}
