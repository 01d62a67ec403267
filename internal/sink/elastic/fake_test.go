package elastic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// fakeES implements POST /_bulk as Elasticsearch and OpenSearch document
// it, for create actions: API key or basic authentication (401
// security_exception), the NDJSON body (which must end in a newline), a
// body size limit (413, as http.max_content_length), per-item results
// (201 created, 409 version_conflict_engine_exception for an existing _id,
// 400 for an invalid index name or a document that is not an object, a
// data stream document without @timestamp) and filter_path. Tests script
// item failures by _id and whole-request answers.
type fakeES struct {
	srv     *httptest.Server
	apiKey  string // required when set
	user    string // with pass: basic authentication required when set
	pass    string
	maxBody int             // 413 above this many bytes; 0: no limit
	streams map[string]bool // names that are data streams

	mu       sync.Mutex
	docs     map[string]map[string]bool // index -> _id -> stored
	log      []storedDoc                // every created document, in creation order
	itemFail map[string][]scripted      // by _id: answers for its next attempts
	failures []wholeFailure             // answers for the next requests
	discard  bool                       // benchmarks: answer 201s, parse and keep nothing
	requests []bulkRequest              // every request that reached item processing
}

type storedDoc struct {
	index, id string
	source    json.RawMessage
}

type bulkRequest struct {
	header    http.Header
	query     string
	ids       []string
	statuses  []int
	bodyBytes int
}

// scripted is an item answer: a status and error type.
type scripted struct {
	status int
	typ    string
}

type wholeFailure struct {
	status     int
	body       string
	retryAfter string
}

var (
	unavailable  = wholeFailure{503, `{"error":{"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"},"status":503}`, ""}
	unauthorized = wholeFailure{401, `{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"}],` +
		`"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},"status":401}`, ""}
	rejected   = scripted{429, "es_rejected_execution_exception"}
	badMapping = scripted{400, "mapper_parsing_exception"}
)

func newFakeES(t testing.TB) *fakeES {
	f := &fakeES{docs: map[string]map[string]bool{}, itemFail: map[string][]scripted{}, streams: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_bulk", f.handleBulk)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if s, ok := body.(string); ok {
		_, _ = io.WriteString(w, s)
		return
	}
	_ = json.NewEncoder(w).Encode(body)
}

func errorReply(w http.ResponseWriter, status int, typ, reason string) {
	e := map[string]string{"type": typ, "reason": reason}
	reply(w, status, map[string]any{"error": map[string]any{"root_cause": []any{e}, "type": typ, "reason": reason}, "status": status})
}

func (f *fakeES) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	user, pass, basic := r.BasicAuth()
	switch {
	case f.apiKey == "" && f.user == "":
		return true
	case h == "":
		w.Header().Set("WWW-Authenticate", `ApiKey, Basic realm="security" charset="UTF-8"`)
		errorReply(w, 401, "security_exception", "missing authentication credentials for REST request [/_bulk]")
	case f.apiKey != "" && h == "ApiKey "+f.apiKey, f.user != "" && basic && user == f.user && pass == f.pass:
		return true
	default:
		errorReply(w, 401, "security_exception", "unable to authenticate with provided credentials and anonymous access is not allowed for this request")
	}
	return false
}

func (f *fakeES) handleBulk(w http.ResponseWriter, r *http.Request) {
	if fl, ok := f.nextFailure(); ok {
		if fl.retryAfter != "" {
			w.Header().Set("Retry-After", fl.retryAfter)
		}
		reply(w, fl.status, fl.body)
		return
	}
	if !f.authorized(w, r) {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-ndjson" && mt != "application/json" {
		reply(w, 406, fmt.Sprintf(`{"error":"Content-Type header [%s] is not supported","status":406}`, r.Header.Get("Content-Type")))
		return
	}
	if f.discard {
		f.answerAll(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if f.maxBody > 0 && len(body) > f.maxBody {
		w.WriteHeader(http.StatusRequestEntityTooLarge) // Elasticsearch answers with no body
		return
	}
	if len(body) == 0 || body[len(body)-1] != '\n' {
		errorReply(w, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]")
		return
	}
	actions, err := parseBulk(body)
	if err != nil {
		errorReply(w, 400, "illegal_argument_exception", err.Error())
		return
	}
	reply(w, 200, f.apply(r, actions, len(body)))
}

func (f *fakeES) nextFailure() (wholeFailure, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.failures) == 0 {
		return wholeFailure{}, false
	}
	fl := f.failures[0]
	f.failures = f.failures[1:]
	return fl, true
}

type action struct {
	index, id string
	source    []byte
}

// parseBulk reads action and source line pairs.
func parseBulk(body []byte) ([]action, error) {
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	if len(lines)%2 != 0 {
		return nil, errors.New("Malformed action/metadata line: a create action must be followed by a source")
	}
	var out []action
	for i := 0; i < len(lines); i += 2 {
		var meta map[string]struct {
			Index *string `json:"_index"`
			ID    *string `json:"_id"`
		}
		dec := json.NewDecoder(bytes.NewReader(lines[i]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&meta); err != nil {
			return nil, fmt.Errorf("Malformed action/metadata line [%d]: %v", i+1, err)
		}
		c, ok := meta["create"]
		if len(meta) != 1 || !ok || c.Index == nil || c.ID == nil {
			return nil, fmt.Errorf("Malformed action/metadata line [%d]: want create with _index and _id", i+1)
		}
		out = append(out, action{index: *c.Index, id: *c.ID, source: lines[i+1]})
	}
	return out, nil
}

// apply runs each action and builds the answer, filtered as filter_path
// asks (only the one form the sink uses is supported).
func (f *fakeES) apply(r *http.Request, actions []action, size int) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	filtered := r.URL.Query().Has("filter_path")
	req := bulkRequest{header: r.Header.Clone(), query: r.URL.RawQuery, bodyBytes: size}
	items := make([]any, 0, len(actions))
	errs := false
	for _, a := range actions {
		status, e := f.create(a)
		req.ids, req.statuses = append(req.ids, a.id), append(req.statuses, status)
		item := map[string]any{"status": status}
		if !filtered {
			item["_index"], item["_id"] = a.index, a.id
			if status == 201 {
				item["result"], item["_version"] = "created", 1
			}
		}
		if e != nil {
			errs = true
			item["error"] = e
		}
		items = append(items, map[string]any{"create": item})
	}
	f.requests = append(f.requests, req)
	if filtered {
		return map[string]any{"errors": errs, "items": items}
	}
	return map[string]any{"took": 3, "errors": errs, "items": items}
}

// create applies one create action and returns its status and error.
func (f *fakeES) create(a action) (int, map[string]any) {
	fail := func(status int, typ, reason string) (int, map[string]any) {
		return status, map[string]any{"type": typ, "reason": reason, "index": a.index}
	}
	if s := f.itemFail[a.id]; len(s) > 0 {
		f.itemFail[a.id] = s[1:]
		return fail(s[0].status, s[0].typ, "scripted failure")
	}
	if a.index != strings.ToLower(a.index) || strings.ContainsAny(a.index, `\/*?"<>| ,#:`) {
		return fail(400, "invalid_index_name_exception", "Invalid index name ["+a.index+"], must be lowercase")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(a.source, &doc); err != nil {
		return fail(400, "document_parsing_exception", "failed to parse: "+err.Error())
	}
	if _, ok := doc["@timestamp"]; f.streams[a.index] && !ok {
		return fail(400, "document_parsing_exception", "data stream timestamp field [@timestamp] is missing")
	}
	if f.docs[a.index][a.id] {
		return fail(409, "version_conflict_engine_exception", "["+a.id+"]: version conflict, document already exists (current version [1])")
	}
	if f.docs[a.index] == nil {
		f.docs[a.index] = map[string]bool{}
	}
	f.docs[a.index][a.id] = true
	f.log = append(f.log, storedDoc{index: a.index, id: a.id, source: append([]byte(nil), a.source...)})
	return 201, nil
}

// answerAll answers 201 to every action of a body it only counts lines
// of, as filter_path filters it: the benchmarks measure the sink, not this.
func (f *fakeES) answerAll(w http.ResponseWriter, r *http.Request) {
	var lc lineCounter
	_, _ = io.Copy(&lc, r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"errors":false,"items":[`)
	for i := range lc.n / 2 {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		_, _ = io.WriteString(w, `{"create":{"status":201}}`)
	}
	_, _ = io.WriteString(w, "]}")
}

type lineCounter struct{ n int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

func (f *fakeES) failNext(fl ...wholeFailure) {
	f.mu.Lock()
	f.failures = append(f.failures, fl...)
	f.mu.Unlock()
}

func (f *fakeES) failItem(id string, s ...scripted) {
	f.mu.Lock()
	f.itemFail[id] = append(f.itemFail[id], s...)
	f.mu.Unlock()
}

func (f *fakeES) stored() []storedDoc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]storedDoc(nil), f.log...)
}

func (f *fakeES) received() []bulkRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bulkRequest(nil), f.requests...)
}

// records decodes the stored documents of stream id, in creation order.
func (f *fakeES) records(t *testing.T, id record.StreamID) []record.Record {
	t.Helper()
	var out []record.Record
	for _, d := range f.stored() {
		r, err := decodeDoc(d.source)
		if err != nil {
			t.Errorf("%s/%s: %v: %s", d.index, d.id, err, d.source)
			continue
		}
		if r.Source == id.Source && r.Stream == id.Stream {
			out = append(out, r)
		}
	}
	return out
}

// decodeDoc decodes a document back into the record with the sinks' one
// independent decoder; @timestamp must be the record's time.
func decodeDoc(b []byte) (record.Record, error) {
	r, extra, err := sinktest.DecodeEnvelope(b, "@timestamp")
	if err != nil {
		return r, err
	}
	var ts time.Time
	if err := json.Unmarshal(extra["@timestamp"], &ts); err != nil || !ts.Equal(r.Time) {
		return record.Record{}, errors.New("@timestamp is missing or differs from time")
	}
	return r, nil
}
