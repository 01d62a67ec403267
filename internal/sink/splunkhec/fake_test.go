package splunkhec

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// fakeHEC implements the parts of Splunk's HTTP Event Collector the sink
// uses, as Splunk documents them: token authentication (codes 2, 3, 4),
// gzip bodies, batched JSON events (codes 6, 12, 13 with
// invalid-event-number), channels (codes 10, 11) and indexer
// acknowledgement through /services/collector/ack (code 14 when the
// token has it off). With acks on, events become searchable only when
// indexed, which happens on the ackDelay-th query of their ackId.
type fakeHEC struct {
	srv   *httptest.Server
	token string
	ack   bool // the token has indexer acknowledgement on

	mu       sync.Mutex
	indexed  []hecEvent // searchable events, in indexing order
	waiting  map[int64]*waitingReq
	nextAck  int64
	ackDelay int          // queries before an ackId is indexed (0: never)
	failures []failure    // answers for the next event requests
	pass     int          // event requests to let through before failures
	discard  bool         // benchmarks: accept without decoding or storing
	requests []hecRequest // every event request, as received
	ackCalls int
}

type waitingReq struct {
	events  []hecEvent
	queries int
}

// hecEvent is one event as HEC decodes it; pointers tell absent keys.
type hecEvent struct {
	Time       json.Number     `json:"time"`
	Host       *string         `json:"host"`
	Source     *string         `json:"source"`
	SourceType *string         `json:"sourcetype"`
	Index      *string         `json:"index"`
	Event      json.RawMessage `json:"event"`
}

type hecRequest struct {
	header http.Header
	events int
	bytes  int // on the wire
}

// failure is a scripted answer to one event request.
type failure struct {
	status     int
	body       string
	retryAfter string
}

var (
	busy         = failure{status: 503, body: `{"text":"Server is busy","code":9}`}
	invalidToken = failure{status: 403, body: `{"text":"Invalid token","code":4}`}
	guid         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

func newFakeHEC(t testing.TB, token string, ack bool) *fakeHEC {
	f := &fakeHEC{token: token, ack: ack, waiting: map[int64]*waitingReq{}, ackDelay: 2}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /services/collector/event", f.handleEvent)
	mux.HandleFunc("POST /services/collector/ack", f.handleAck)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func answer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func answerCode(w http.ResponseWriter, status, code int, text string) {
	answer(w, status, fmt.Sprintf(`{"text":%q,"code":%d}`, text, code))
}

// authorized answers as HEC does when the token is missing or wrong.
func (f *fakeHEC) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	switch {
	case h == "":
		answerCode(w, 401, 2, "Token is required")
	case len(h) < 7 || h[:7] != "Splunk ":
		answerCode(w, 401, 3, "Invalid authorization")
	case h[7:] != f.token:
		answerCode(w, 403, 4, "Invalid token")
	default:
		return true
	}
	return false
}

// channel checks the request channel when the token has acks on.
func (f *fakeHEC) channel(w http.ResponseWriter, r *http.Request) bool {
	if !f.ack {
		return true
	}
	ch := r.Header.Get("X-Splunk-Request-Channel")
	if ch == "" {
		ch = r.URL.Query().Get("channel")
	}
	switch {
	case ch == "":
		answerCode(w, 400, 10, "Data channel is missing")
	case !guid.MatchString(ch):
		answerCode(w, 400, 11, "Invalid data channel")
	default:
		return true
	}
	return false
}

func (f *fakeHEC) handleEvent(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) || !f.channel(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.discard && len(f.failures) == 0 {
		_, _ = io.Copy(io.Discard, r.Body)
		f.accept(w, nil)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	if len(f.failures) > 0 && f.pass > 0 {
		f.pass--
	} else if len(f.failures) > 0 {
		fl := f.failures[0]
		f.failures = f.failures[1:]
		if fl.retryAfter != "" {
			w.Header().Set("Retry-After", fl.retryAfter)
		}
		answer(w, fl.status, fl.body)
		return
	}
	body, err := gunzipIf(r.Header.Get("Content-Encoding"), raw)
	if err != nil {
		answerCode(w, 400, 6, "Invalid data format")
		return
	}
	events, bad, reason := decodeEvents(body)
	f.requests = append(f.requests, hecRequest{header: r.Header.Clone(), events: len(events), bytes: len(raw)})
	if bad >= 0 {
		// HEC keeps the events before the bad one and says which it is.
		f.accept(io.Discard, events)
		answer(w, 400, fmt.Sprintf(`{"text":%q,"code":%d,"invalid-event-number":%d}`, reason.text, reason.code, bad))
		return
	}
	f.accept(w, events)
}

// accept indexes events now, or with acks on holds them under a new ackId.
func (f *fakeHEC) accept(w io.Writer, events []hecEvent) {
	if !f.ack {
		f.indexed = append(f.indexed, events...)
		if rw, ok := w.(http.ResponseWriter); ok {
			answerCode(rw, 200, 0, "Success")
		}
		return
	}
	id := f.nextAck
	f.nextAck++
	f.waiting[id] = &waitingReq{events: events}
	if rw, ok := w.(http.ResponseWriter); ok {
		answer(rw, 200, fmt.Sprintf(`{"text":"Success","code":0,"ackId":%d}`, id))
	}
}

func gunzipIf(encoding string, b []byte) ([]byte, error) {
	if encoding != "gzip" {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

type hecReason struct {
	code int
	text string
}

// decodeEvents splits a body into events. bad is the number of the first
// invalid one, or -1.
func decodeEvents(body []byte) (events []hecEvent, bad int, why hecReason) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	for n := 0; ; n++ {
		var ev hecEvent
		err := dec.Decode(&ev)
		switch {
		case errors.Is(err, io.EOF):
			if n == 0 {
				return nil, 0, hecReason{5, "No data"}
			}
			return events, -1, hecReason{}
		case err != nil:
			return events, n, hecReason{6, "Invalid data format"}
		case ev.Event == nil:
			return events, n, hecReason{12, "Event field is required"}
		case string(ev.Event) == `""` || string(ev.Event) == "null":
			return events, n, hecReason{13, "Event field cannot be blank"}
		}
		if _, err := ev.Time.Float64(); ev.Time != "" && err != nil {
			return events, n, hecReason{6, "Invalid data format"}
		}
		events = append(events, ev)
	}
}

func (f *fakeHEC) handleAck(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	if !f.ack {
		answerCode(w, 400, 14, "ACK is disabled")
		return
	}
	if !f.channel(w, r) {
		return
	}
	var q struct {
		Acks []int64 `json:"acks"`
	}
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.Acks == nil {
		answerCode(w, 400, 6, "Invalid data format")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ackCalls++
	answer(w, 200, f.ackStatus(q.Acks))
}

// ackStatus indexes the ackIds whose time has come, in ackId order, and
// forgets them once reported, as Splunk does.
func (f *fakeHEC) ackStatus(ids []int64) string {
	ids = append([]int64(nil), ids...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	acks := map[string]bool{}
	for _, id := range ids {
		wr, ok := f.waiting[id]
		if !ok {
			acks[strconv.FormatInt(id, 10)] = false // unknown or already reported
			continue
		}
		wr.queries++
		done := f.ackDelay > 0 && wr.queries >= f.ackDelay
		if done {
			f.indexed = append(f.indexed, wr.events...)
			delete(f.waiting, id)
		}
		acks[strconv.FormatInt(id, 10)] = done
	}
	b, _ := json.Marshal(map[string]any{"acks": acks})
	return string(b)
}

func (f *fakeHEC) failNext(fl ...failure) {
	f.mu.Lock()
	f.failures = append(f.failures, fl...)
	f.mu.Unlock()
}

// failAfter lets n event requests through, then answers fl.
func (f *fakeHEC) failAfter(n int, fl failure) {
	f.mu.Lock()
	f.pass, f.failures = n, []failure{fl}
	f.mu.Unlock()
}

// received returns a copy of the event requests received.
func (f *fakeHEC) received() []hecRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]hecRequest(nil), f.requests...)
}

// ackQueries returns how many ack queries were answered.
func (f *fakeHEC) ackQueries() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ackCalls
}

// events returns the searchable events.
func (f *fakeHEC) events() []hecEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]hecEvent(nil), f.indexed...)
}

// records decodes the searchable events of stream id, in indexing order.
func (f *fakeHEC) records(t *testing.T, id record.StreamID) []record.Record {
	t.Helper()
	var out []record.Record
	for i, ev := range f.events() {
		r, _, err := sinktest.DecodeEnvelope(ev.Event)
		if err != nil {
			t.Errorf("event %d: %v: %s", i, err, ev.Event)
			continue
		}
		if r.Source == id.Source && r.Stream == id.Stream {
			out = append(out, r)
		}
	}
	return out
}
