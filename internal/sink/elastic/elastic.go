// Package elastic is the sink that stores records as documents in
// Elasticsearch (7 to 9) or OpenSearch (1 to 3) through the _bulk API: one
// document per record, the record's envelope plus @timestamp, created
// under an _id derived from the record's id.
//
// Delivery is exactly-once in effect: documents are created with op type
// create, so a record redelivered after a crash or a failed Write meets
// its own _id and is answered 409, which the sink counts as stored. The
// position is therefore always nil and Recover has nothing to undo. This
// holds while a record's _id lands in the same index each time, which
// the {date} of the record's own time ensures; a data stream that rolled
// over between the two deliveries does not, so there a redelivery across a
// rollover can store a record twice.
//
// A document Elasticsearch rejects as such (400: a mapping conflict, a
// field it cannot parse) would be rejected again on every retry, so it
// goes to Config.Quarantine with the reason and the batch goes on; without
// a Quarantine the batch fails permanently. Documents refused for load
// (429, 5xx) are sent again within the Write, alone, a few times.
package elastic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/nametmpl"
)

// bulkPath asks for only what the sink reads in the answer: per item, the
// status and error. It keeps a 1000-document answer in tens of KiB.
const bulkPath = "/_bulk?filter_path=errors,items.*.status,items.*.error"

// Sink writes to one cluster. It is safe for concurrent use by different
// streams.
type Sink struct {
	cfg    Config
	target nametmpl.Template
	ids    ids
	client *http.Client
	next   atomic.Uint32    // the node the next request starts with
	now    func() time.Time // for Retry-After; a field so tests need not wait

	// base ends when the sink closes, so that Close stops Writes in flight.
	life *sink.Lifecycle
}

var _ sink.Sink = (*Sink)(nil)

// New returns a sink for cfg. It sends nothing: an unreachable cluster is
// a retryable condition of the first Write, not a start-up failure.
func New(cfg Config) (*Sink, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tmpl, key := cfg.Index, "index"
	if cfg.DataStream != "" {
		tmpl, key = cfg.DataStream, "data_stream"
	}
	target, err := parseTarget(tmpl, cfg.DataStream == "")
	if err != nil {
		return nil, errclass.Permanentf("elasticsearch sink %q: %s: %v", cfg.Name, key, err)
	}
	return &Sink{
		cfg: cfg, target: target,
		ids:    ids{qualify: !target.Has("source") || !target.Has("stream")},
		client: httpx.NewClient(httpx.Options{Insecure: cfg.Insecure, HeaderTimeout: time.Duration(cfg.Timeout), Name: "sink " + cfg.Name, Trace: cfg.Trace}),
		now:    time.Now,
		life:   sink.NewLifecycle(),
	}, nil
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.cfg.Name }

// Recover has nothing to undo (see the package comment), so any position
// is accepted.
func (s *Sink) Recover(ctx context.Context, id record.StreamID, _ []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.life.Closed() {
		return s.wrap("recover", id, sink.ErrClosed)
	}
	return nil
}

// Write creates recs in requests of at most BatchRecords documents and
// BatchBytes bytes, in order, and returns once each is stored, found
// already stored, or quarantined. The position is always nil.
func (s *Sink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	ctx, done, err := s.life.Begin(ctx)
	if err != nil {
		return nil, s.wrap("write", id, err)
	}
	defer done()
	ts := newTargets(s.target)
	buf := getBuf()
	defer putBuf(buf)
	for off := 0; off < len(recs); {
		body, n := s.encodeBulk((*buf)[:0], ts, recs[off:])
		*buf = body
		if err := s.deliver(ctx, ts, recs[off:off+n], body); err != nil {
			return nil, s.wrap("write", id, err)
		}
		off += n
	}
	return nil, nil
}

func (s *Sink) wrap(op string, id record.StreamID, err error) error {
	return fmt.Errorf("elasticsearch sink %q: %s %s: %w", s.cfg.Name, op, id, err)
}

// Close stops Writes in flight and releases idle connections. It is
// idempotent.
func (s *Sink) Close() error {
	if s.life.Close() {
		s.client.CloseIdleConnections()
	}
	return nil
}

// deliver sends one request's documents until each is stored, already
// there or quarantined: documents refused for load are sent again, alone,
// up to ItemRetries times; a request too large is split.
func (s *Sink) deliver(ctx context.Context, ts *targets, recs []record.Record, body []byte) error {
	total := len(recs)
	for attempt := 0; ; attempt++ {
		items, err := s.bulk(ctx, body, len(recs))
		if errors.Is(err, errTooLarge) {
			return s.split(ctx, ts, recs)
		}
		if err != nil || items == nil { // nil items: all created
			return err
		}
		again, why, err := s.settle(recs, items)
		if err != nil || len(again) == 0 {
			return err
		}
		if attempt == s.cfg.ItemRetries {
			return fmt.Errorf("%d of %d documents still refused after %d retries, last: %s",
				len(again), total, attempt, why)
		}
		if err := retry.Sleep(ctx, s.cfg.RetryBackoff.Delay(attempt)); err != nil {
			return err
		}
		recs = again
		body, _ = s.encodeBulk(nil, ts, again) // a subset of one request: within the limits
	}
}

// split halves a request the cluster found too large (413). A single
// document too large is rejected as a document: no split can help it.
func (s *Sink) split(ctx context.Context, ts *targets, recs []record.Record) error {
	if len(recs) == 1 {
		return s.reject(&recs[0], "413: the document alone is larger than the cluster accepts (http.max_content_length)")
	}
	h := len(recs) / 2
	for _, part := range [][]record.Record{recs[:h], recs[h:]} {
		body, _ := s.encodeBulk(nil, ts, part)
		if err := s.deliver(ctx, ts, part, body); err != nil {
			return err
		}
	}
	return nil
}

// reject hands a document Elasticsearch will not take to the quarantine.
func (s *Sink) reject(r *record.Record, reason string) error {
	if s.cfg.Quarantine == nil {
		return errclass.Permanentf("document of record %q rejected: %s (configure a quarantine to keep such records and go on)", r.ID, reason)
	}
	if err := s.cfg.Quarantine(*r, reason); err != nil {
		return fmt.Errorf("quarantine record %q: %w", r.ID, err)
	}
	return nil
}

// answer is a whole HTTP answer, read while the request's timeout runs.
type answer struct {
	status int
	header http.Header
	body   []byte
}

const maxAnswer = 64 << 20 // a bulk answer without filter_path: ~300 bytes an item

// post sends body to the nodes in turn, starting with the next in
// rotation, until one answers: resending is safe, creates are idempotent.
func (s *Sink) post(ctx context.Context, body []byte) (answer, error) {
	urls := s.cfg.URLs
	start := int(s.next.Add(1))
	var err error
	for i := range urls {
		var a answer
		if a, err = s.roundTrip(ctx, urls[(start+i)%len(urls)], body); err == nil || ctx.Err() != nil {
			return a, err
		}
	}
	return answer{}, err
}

func (s *Sink) roundTrip(ctx context.Context, node string, body []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, node+bulkPath, bytes.NewReader(body))
	if err != nil {
		return answer{}, errclass.Permanent(httpx.RedactURLError(err))
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	switch {
	case s.cfg.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+s.cfg.APIKey.Value())
	case s.cfg.Username != "":
		req.SetBasicAuth(s.cfg.Username, s.cfg.Password.Value())
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{}, httpx.RedactURLError(err) // connection trouble: retryable
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, fmt.Errorf("read the answer of %s: %w", node, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}
