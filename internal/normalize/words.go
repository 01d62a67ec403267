package normalize

// Vendor words and judgements every schema reads the same way: how severe
// a record is, what a health status says, what an administrator's
// operation does, and what an OS name names. Each schema writes them in
// its own terms (OCSF ids, ECS categories).

// Severities, on OCSF's severity_id scale, which ECS's event.severity
// follows too.
const (
	sevUnknown = 0
	sevInfo    = 1
	sevLow     = 2
	sevMedium  = 3
	sevHigh    = 4
)

// activitySeverity: activity logs are informational unless the vendor
// flagged a threat.
func activitySeverity(o outcome) int {
	if o.threat {
		return sevHigh
	}
	return sevInfo
}

// findingSeverity: a finding is Medium when a DLP pattern matched, High
// when the vendor names a threat, else Informational.
func findingSeverity(matched, threat bool) int {
	switch {
	case threat:
		return sevHigh
	case matched:
		return sevMedium
	}
	return sevInfo
}

// healthState is what a Forcepoint health status says.
type healthState uint8

const (
	healthNone  healthState = iota // no status
	healthUp                       // healthy
	healthDown                     // failed
	healthOther                    // neither (Degraded, or a word we do not know)
)

type health struct {
	state    healthState
	severity int
}

// healthStates maps a status word to its state and severity. Degraded is
// neither up nor down.
var healthStates = map[string]health{
	"healthy": {healthUp, sevInfo}, "ok": {healthUp, sevInfo}, "up": {healthUp, sevInfo},
	"degraded": {healthOther, sevMedium}, "warning": {healthOther, sevLow},
	"down": {healthDown, sevHigh}, "unhealthy": {healthDown, sevHigh}, "failed": {healthDown, sevHigh},
	"error": {healthDown, sevHigh},
}

// healthOf reads a status word (Other, severity Unknown, if unknown).
func healthOf(v []byte) health {
	if v == nil {
		return health{healthNone, sevUnknown}
	}
	if h, ok := lookupFold(healthStates, v); ok {
		return h
	}
	return health{healthOther, sevUnknown}
}

// session says whether an administrator's operation is a log-in or log-out.
type session uint8

const (
	sessionNone session = iota
	sessionStart
	sessionEnd
)

func adminSession(op []byte) session {
	for _, w := range [...]string{"logout", "log out", "logoff", "log off", "sign out", "signout"} {
		if containsFold(op, w) {
			return sessionEnd
		}
	}
	for _, w := range [...]string{"login", "log in", "logon", "log on", "sign in", "signin"} {
		if containsFold(op, w) {
			return sessionStart
		}
	}
	return sessionNone
}

// crud is what an administrator's operation does to its object.
type crud uint8

const (
	crudNone crud = iota
	crudCreate
	crudRead
	crudUpdate
	crudDelete
)

// crudStems map words of an operation to what it does, first match wins.
var crudStems = []struct {
	stem string
	op   crud
}{
	{"delet", crudDelete}, {"remov", crudDelete},
	{"creat", crudCreate}, {"add", crudCreate}, {"new", crudCreate},
	{"chang", crudUpdate}, {"updat", crudUpdate}, {"edit", crudUpdate},
	{"modif", crudUpdate}, {"enabl", crudUpdate}, {"disabl", crudUpdate},
	{"set", crudUpdate}, {"mov", crudUpdate}, {"renam", crudUpdate},
	{"view", crudRead}, {"read", crudRead}, {"export", crudRead},
	{"download", crudRead}, {"list", crudRead},
}

func crudOf(op []byte) crud {
	for _, c := range crudStems {
		if containsFold(op, c.stem) {
			return c.op
		}
	}
	return crudNone
}

// osType is an operating system family: OCSF's os.type_id and caption,
// and ECS's os.type.
type osType struct {
	id   int
	name string
	ecs  string
}

// osTypes maps words in an OS name to its family, most specific first.
var osTypes = []struct {
	word string
	osType
}{
	{"windows phone", osType{101, "Windows Mobile", "windows"}}, {"windows mobile", osType{101, "Windows Mobile", "windows"}},
	{"windows", osType{100, "Windows", "windows"}},
	{"ipados", osType{302, "iPadOS", "ios"}}, {"ios", osType{301, "iOS", "ios"}}, {"iphone", osType{301, "iOS", "ios"}},
	{"mac", osType{300, "macOS", "macos"}}, {"os x", osType{300, "macOS", "macos"}},
	{"android", osType{201, "Android", "android"}},
	{"linux", osType{200, "Linux", "linux"}}, {"ubuntu", osType{200, "Linux", "linux"}},
	{"debian", osType{200, "Linux", "linux"}}, {"fedora", osType{200, "Linux", "linux"}},
	{"red hat", osType{200, "Linux", "linux"}}, {"centos", osType{200, "Linux", "linux"}},
	{"suse", osType{200, "Linux", "linux"}},
}

// osTypeOf reads the family from an OS name: type_id 0 Unknown, and no ECS
// type, when no word matches.
func osTypeOf(name []byte) osType {
	for _, t := range osTypes {
		if containsFold(name, t.word) {
			return t.osType
		}
	}
	return osType{0, "Unknown", ""}
}
