package normalize

// ocsfVersion is the OCSF release the events follow.
const ocsfVersion = "1.8.0"

// ocsfClass is an OCSF event class and its category.
type ocsfClass struct {
	uid      int
	name     string
	category int
	catName  string
}

var (
	classBase         = ocsfClass{0, "Base Event", 0, "Uncategorized"}
	classDataSecurity = ocsfClass{2006, "Data Security Finding", 2, "Findings"}
	classAuth         = ocsfClass{3002, "Authentication", 3, "Identity & Access Management"}
	classEntity       = ocsfClass{3004, "Entity Management", 3, "Identity & Access Management"}
	classNetwork      = ocsfClass{4001, "Network Activity", 4, "Network Activity"}
	classHTTP         = ocsfClass{4002, "HTTP Activity", 4, "Network Activity"}
	classWebResources = ocsfClass{6001, "Web Resources Activity", 6, "Application Activity"}
	classAPI          = ocsfClass{6003, "API Activity", 6, "Application Activity"}
	classFileHosting  = ocsfClass{6006, "File Hosting Activity", 6, "Application Activity"}
)

// activity is an activity_id and its name: the class's caption, or the
// vendor's own word when the id is 99 (Other).
type activity struct {
	id   int
	name string
}

var (
	activityUnknown = activity{0, "Unknown"}
	activityCreate  = activity{1, "Create"} // the finding classes' first activity
)

// otherActivity is activity 99 (Other) named by the vendor's word in slot
// s, which it carries; Unknown when there is no word.
func (e *ocsfEvent) otherActivity(s slot) activity {
	v := e.fs.text(s)
	if v == nil {
		return activityUnknown
	}
	e.fs.use(s)
	return activity{99, string(v)}
}

var severityNames = [...]string{"Unknown", "Informational", "Low", "Medium", "High", "Critical", "Fatal"}

// profile is a set of OCSF profiles. An event lists the profiles whose
// attributes it uses in metadata.profiles.
type profile uint8

const (
	profCloud profile = 1 << iota
	profHost
	profNetworkProxy
	profSecurityControl
)

var profileNames = [...]string{"cloud", "host", "network_proxy", "security_control"}

// header is what every event starts with: its classification, time and
// metadata.
type header struct {
	class    ocsfClass
	activity activity
	severity int
	profiles profile
	origTime []byte // the vendor's time text
	tenant   []byte
	loggedMS int64  // when the vendor indexed the event, if it says
	feature  []byte // the product component that reported it, if any
}

// ocsfEvent builds one OCSF event.
type ocsfEvent struct {
	event
	prof profile // the profiles begin declared
}

// has says whether the event declared profile p; an attribute a profile
// brings in may only be written then.
func (e *ocsfEvent) has(p profile) bool { return e.prof&p != 0 }

// begin opens the event and writes the classification, time and metadata.
func (e *ocsfEvent) begin(h header) {
	e.prof = h.profiles
	w := &e.w
	w.b = append(w.b, '{')
	w.int("class_uid", int64(h.class.uid))
	w.strS("class_name", h.class.name)
	w.int("category_uid", int64(h.class.category))
	w.strS("category_name", h.class.catName)
	w.int("activity_id", int64(h.activity.id))
	w.strS("activity_name", h.activity.name)
	w.int("type_uid", int64(h.class.uid*100+h.activity.id))
	w.key("type_name") // "Class: Activity"
	w.b = appendEscaped(append(w.b, '"'), h.class.name)
	w.b = appendEscaped(append(w.b, ':', ' '), h.activity.name)
	w.b = append(w.b, '"')
	w.int("severity_id", int64(h.severity))
	w.strS("severity", severityName(h.severity))
	w.int("time", e.rec.Time.UnixMilli())
	e.metadata(h)
}

// vendorTenant is the vendor's own tenant id for tenant_uid, unless the
// source has a tenant configured: that one wins, and the vendor's stays
// under unmapped.
func (e *ocsfEvent) vendorTenant(s slot) []byte {
	if e.rec.Tenant != "" {
		return nil
	}
	return e.taken(s)
}

func severityName(id int) string {
	if id >= 0 && id < len(severityNames) {
		return severityNames[id]
	}
	return "Other"
}

func (e *ocsfEvent) metadata(h header) {
	w := &e.w
	w.obj("metadata")
	w.strS("version", ocsfVersion)
	w.obj("product")
	w.strS("name", e.st.product.name)
	w.strS("vendor_name", e.st.product.vendor)
	if h.feature != nil {
		w.obj("feature")
		w.str("name", h.feature)
		w.end()
	}
	w.end()
	e.optS("uid", e.rec.ID)
	e.optS("log_name", e.rec.Stream)
	e.optS("log_source", e.rec.Source)
	if h.origTime != nil {
		w.str("original_time", h.origTime)
	}
	switch {
	case e.rec.Tenant != "":
		w.strS("tenant_uid", e.rec.Tenant)
	case h.tenant != nil:
		w.str("tenant_uid", h.tenant)
	}
	if h.loggedMS != 0 {
		w.int("logged_time", h.loggedMS)
	}
	if h.profiles != 0 {
		w.arr("profiles")
		for i, name := range profileNames {
			if h.profiles&(1<<i) != 0 {
				w.sep()
				w.b = appendString(w.b, name)
			}
		}
		w.end()
	}
	w.end()
}

// finish writes unmapped, every member no attribute carries unchanged, by
// its vendor name and with its value as received, and closes the event.
func (e *ocsfEvent) finish() {
	w := &e.w
	w.obj("unmapped")
	for i := range e.fs.list {
		f := &e.fs.list[i]
		if f.used || e.fs.empty(f) {
			continue
		}
		if f.kind == kindString {
			w.member(e.fs.bytes(f.key), e.fs.bytes(f.val))
		} else {
			w.raw(e.fs.bytes(f.key), e.fs.bytes(f.val))
		}
	}
	w.end()
	w.b = append(w.b, '}')
}
