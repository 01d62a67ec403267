package symantec

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// AuditRecord is one generated admin audit event.
type AuditRecord struct {
	Time                      time.Time
	ObjectType, OperationType string
	User, Object, Details     string
}

// auditPerDay is the number of events generated per UTC day of data.
const auditPerDay = 50

var auditOps = map[string][]string{
	"PolicyRule": {"Create", "Update", "Delete"},
	"Report":     {"Create", "Execute", "Delete"},
	"User":       {"Login", "Logout", "Create", "Update", "Delete"},
	"Location":   {"Create", "Update", "Delete"},
}

var auditObjectTypes = []string{"PolicyRule", "Report", "User", "Location"}

var auditUsers = []string{"admin@acme.example", "jürgen.müller@acme.example", "soc-analyst@acme.example", "api-automation"}

// buildAudit spreads auditPerDay events over each UTC day's share of
// [start, end), oldest first.
func buildAudit(seed uint64, start, end time.Time) []AuditRecord {
	var out []AuditRecord
	for day := start.Truncate(24 * time.Hour); day.Before(end); day = day.Add(24 * time.Hour) {
		lo, hi := later(day, start), earlier(day.Add(24*time.Hour), end)
		for k := 0; k < auditPerDay && lo.Before(hi); k++ {
			t := lo.Add(hi.Sub(lo) * time.Duration(k) / auditPerDay).Truncate(time.Second)
			out = append(out, auditAt(seed, day, k, t))
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// auditAt makes event k of day. Every ten events include each awkward
// cell: commas, quotes, newlines and leading = + - @ (formula injection).
func auditAt(seed uint64, day time.Time, k int, t time.Time) AuditRecord {
	r := simrand.RNG(simrand.Mix(seed ^ simrand.Mix(uint64(day.Unix())+uint64(k))))
	ot := simrand.Pick(&r, auditObjectTypes)
	rec := AuditRecord{Time: t, ObjectType: ot, OperationType: simrand.Pick(&r, auditOps[ot]), User: simrand.Pick(&r, auditUsers)}
	rec.Object = auditObject(&r, ot)
	rec.Details = auditDetails(k, rec)
	if k%10 == 9 {
		rec.Object = "=1+2 " + rec.Object
	}
	return rec
}

func auditObject(r *simrand.RNG, ot string) string {
	switch ot {
	case "PolicyRule":
		return simrand.Pick(r, []string{"Block Gambling", "Allow Office 365", "SSL Bypass, Banking"})
	case "Report":
		return simrand.Pick(r, []string{"Top Users", `Weekly "Threat" Summary`})
	case "User":
		return simrand.Pick(r, auditUsers)
	}
	return simrand.Pick(r, []string{"Paris Café € Store", "Zürich HQ", "London"})
}

func auditDetails(k int, rec AuditRecord) string {
	switch k % 10 {
	case 0:
		return `Rule "` + rec.Object + `" moved to position 3, enabled`
	case 1:
		return "Changed fields:\nname\ndescription"
	case 2:
		return `=HYPERLINK("http://evil.example/","click")`
	case 3:
		return "+1 rule added"
	case 4:
		return "-5 entries removed from allow list"
	case 5:
		return "@SUM(1+1) scheduled by " + rec.User
	case 6:
		return "Source IP 203.0.113.7, browser \"Firefox\"; session 42"
	}
	return rec.OperationType + " " + rec.ObjectType + " " + rec.Object
}

// auditQuery is a validated audit download request.
type auditQuery struct {
	from, to      time.Time // [from, to): to is the day after endDate
	json          bool
	objectType    string
	operationType string
}

// parseAudit: dates are YYYY-MM-DD, both inclusive; format is CSV (the
// default) or JSON, any case; filter values compare case-insensitively.
func parseAudit(q url.Values) (auditQuery, string) {
	from, err1 := time.Parse(time.DateOnly, q.Get("startDate"))
	to, err2 := time.Parse(time.DateOnly, q.Get("endDate"))
	if err1 != nil || err2 != nil {
		return auditQuery{}, "startDate and endDate are required as YYYY-MM-DD"
	}
	if to.Before(from) {
		return auditQuery{}, "endDate must not be before startDate"
	}
	aq := auditQuery{from: from, to: to.AddDate(0, 0, 1), objectType: q.Get("objectType"), operationType: q.Get("operationType")}
	switch f := strings.ToUpper(q.Get("format")); f {
	case "", "CSV":
	case "JSON":
		aq.json = true
	default:
		return auditQuery{}, "Invalid format " + q.Get("format") + ": expected CSV or JSON"
	}
	return aq, ""
}

func (aq auditQuery) match(r AuditRecord) bool {
	return !r.Time.Before(aq.from) && r.Time.Before(aq.to) &&
		(aq.objectType == "" || strings.EqualFold(aq.objectType, r.ObjectType)) &&
		(aq.operationType == "" || strings.EqualFold(aq.operationType, r.OperationType))
}

func (s *Server) serveAudit(w http.ResponseWriter, q url.Values) int {
	aq, msg := parseAudit(q)
	if msg != "" {
		return writeJSONError(w, http.StatusBadRequest, msg)
	}
	var recs []AuditRecord
	for _, r := range s.audit {
		if aq.match(r) {
			recs = append(recs, r)
		}
	}
	if aq.json {
		return writeBody(w, http.StatusOK, "application/json", auditJSON(recs))
	}
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	return writeBody(w, http.StatusOK, "text/csv; charset=utf-8", auditCSV(recs))
}

// auditCSV is RFC 4180: CRLF line ends, quoting where needed. Cells are
// written as they are; neutralising formulas is the client's job.
func auditCSV(recs []AuditRecord) []byte {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.UseCRLF = true
	_ = cw.Write([]string{"Date", "User", "Object Type", "Operation Type", "Object", "Details"})
	for _, r := range recs {
		_ = cw.Write([]string{r.Time.UTC().Format(time.RFC3339), r.User, r.ObjectType, r.OperationType, r.Object, r.Details})
	}
	cw.Flush()
	return b.Bytes()
}

type auditJSONRecord struct {
	Date          string `json:"date"`
	User          string `json:"user"`
	ObjectType    string `json:"objectType"`
	OperationType string `json:"operationType"`
	Object        string `json:"object"`
	Details       string `json:"details"`
}

func auditJSON(recs []AuditRecord) []byte {
	out := make([]auditJSONRecord, len(recs))
	for k, r := range recs {
		out[k] = auditJSONRecord{r.Time.UTC().Format(time.RFC3339), r.User, r.ObjectType, r.OperationType, r.Object, r.Details}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
	return b.Bytes()
}
