// Package splunkhec is the sink that sends records to a Splunk HTTP Event
// Collector (HEC): one event per record, whose "event" is the record's
// envelope, posted in batches to /services/collector/event.
//
// A Write succeeds only when HEC answered every request of the batch with
// code 0 ("Success") and, with Ack, Splunk confirmed every request indexed
// through /services/collector/ack. Without Ack, "Success" only means HEC
// received the events: they can still be lost before indexing.
//
// Delivery is at-least-once: HEC has no idempotent write and no way to
// remove events, so the position is always nil and a batch redelivered
// after a crash, or retried after a failure, may be indexed twice. Within
// one process the sink narrows this: after a failed Write it remembers the
// leading records Splunk had confirmed and skips them when the same batch
// is retried. Dedupe in searches by the envelope's id when it matters.
package splunkhec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/nametmpl"
)

// Sink posts batches to one HEC endpoint. It is safe for concurrent use by
// different streams.
type Sink struct {
	cfg      Config
	meta     meta
	client   *http.Client
	eventURL string
	ackURL   string
	now      func() time.Time // for Retry-After; a field so tests need not wait

	// base ends when the sink closes, so that Close stops Writes in flight.
	life *sink.Lifecycle

	mu      sync.Mutex // guards resume
	resumes map[record.StreamID]resume
}

var _ sink.Sink = (*Sink)(nil)

// New returns a sink for cfg. It sends nothing: an unreachable Splunk is a
// retryable condition of the first Write, not a start-up failure.
func New(cfg Config) (*Sink, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := parseMeta(cfg)
	if err != nil {
		return nil, errclass.Permanentf("splunk_hec sink %q: %v", cfg.Name, err)
	}
	return &Sink{
		cfg: cfg, meta: m,
		client:   httpx.NewClient(httpx.Options{Insecure: cfg.Insecure, HeaderTimeout: time.Duration(cfg.Timeout), Name: "sink " + cfg.Name, Trace: cfg.Trace}),
		eventURL: cfg.URL + "/services/collector/event",
		ackURL:   cfg.URL + "/services/collector/ack",
		now:      time.Now,
		life:     sink.NewLifecycle(),
		resumes:  make(map[record.StreamID]resume),
	}, nil
}

func parseMeta(cfg Config) (meta, error) {
	m := meta{host: cfg.Host}
	var err error
	for _, f := range []struct {
		key string
		src string
		dst *nametmpl.Template
	}{{"index", cfg.Index, &m.index}, {"sourcetype", cfg.SourceType, &m.sourceType}, {"source", cfg.Source, &m.source}} {
		if *f.dst, err = nametmpl.Parse(f.src, nametmpl.Base); err != nil {
			return m, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	return m, nil
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.cfg.Name }

// Recover keeps nothing to roll back: what HEC accepted stays (see the
// package comment), so any position is accepted.
func (s *Sink) Recover(ctx context.Context, id record.StreamID, _ []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.life.Closed() {
		return fmt.Errorf("splunk_hec sink %q: recover %s: %w", s.cfg.Name, id, sink.ErrClosed)
	}
	return nil
}

// Write posts recs in requests of at most BatchRecords events and
// BatchBytes bytes, in order, and returns once all are accepted (and, with
// Ack, indexed). The position is always nil.
func (s *Sink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	ctx, done, err := s.life.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("splunk_hec sink %q: write %s: %w", s.cfg.Name, id, err)
	}
	defer done()
	skip := s.resumeFrom(id, recs)
	n, err := s.send(ctx, recs[skip:])
	if err != nil {
		s.remember(id, recs[:skip+n])
		return nil, fmt.Errorf("splunk_hec sink %q: write %s: %w", s.cfg.Name, id, err)
	}
	return nil, nil
}

// Close stops Writes in flight and releases idle connections. It is
// idempotent.
func (s *Sink) Close() error {
	if s.life.Close() {
		s.client.CloseIdleConnections()
	}
	return nil
}

// pendingAck is a request HEC accepted whose indexing is not confirmed yet.
type pendingAck struct {
	id  int64
	end int // records up to here are covered once this one is confirmed
}

// send posts recs and returns how many leading records are confirmed
// (accepted, or with Ack indexed), which is len(recs) when err is nil.
func (s *Sink) send(ctx context.Context, recs []record.Record) (int, error) {
	enc := getEncoder()
	defer enc.release()
	var pending []pendingAck
	sent, confirmed := 0, 0
	var err error
	for sent < len(recs) {
		body, n := enc.next(&s.meta, recs[sent:], s.cfg.BatchRecords, s.cfg.BatchBytes, *s.cfg.Gzip)
		var ackID int64
		if ackID, err = s.post(ctx, body); err != nil {
			break
		}
		sent += n
		if s.cfg.Ack {
			pending = append(pending, pendingAck{id: ackID, end: sent})
		} else {
			confirmed = sent
		}
	}
	if len(pending) == 0 {
		return confirmed, err
	}
	return s.confirm(ctx, pending, err)
}

// confirm waits for the acks of the requests sent, and returns the
// confirmed prefix and sendErr, or the ack error when the sending went
// well. After a transient send failure the requests already accepted are
// still worth confirming: the retry then skips them instead of
// duplicating them. After a permanent one or with the context done, it is
// not worth the wait.
func (s *Sink) confirm(ctx context.Context, pending []pendingAck, sendErr error) (int, error) {
	if sendErr != nil && (errclass.IsPermanent(sendErr) || ctx.Err() != nil) {
		return 0, sendErr
	}
	n, err := s.awaitAcks(ctx, pending)
	if sendErr != nil {
		return n, sendErr
	}
	return n, err
}

// post sends one request body and returns its ackId (0 without Ack).
func (s *Sink) post(ctx context.Context, body []byte) (int64, error) {
	r, err := s.do(ctx, s.eventURL, body, *s.cfg.Gzip)
	if err != nil {
		return 0, err
	}
	if !s.cfg.Ack {
		return 0, nil
	}
	if r.AckID == nil {
		return 0, errclass.Permanentf("HEC accepted the events but returned no ackId: " +
			"indexer acknowledgement is off for this token: set ack: false, or enable it on the token")
	}
	return *r.AckID, nil
}

// do POSTs body to url and returns HEC's reply when it is a success.
func (s *Sink) do(ctx context.Context, url string, body []byte, gz bool) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return reply{}, errclass.Permanent(httpx.RedactURLError(err))
	}
	req.Header.Set("Authorization", "Splunk "+s.cfg.Token.Value())
	req.Header.Set("Content-Type", "application/json")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if s.cfg.Channel != "" {
		req.Header.Set("X-Splunk-Request-Channel", s.cfg.Channel)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return reply{}, httpx.RedactURLError(err) // connection trouble: retryable
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxReply)) // keep the connection reusable
		_ = resp.Body.Close()
	}()
	r, ok := readReply(resp.Body)
	// An ack query's answer has no code, only acks.
	if resp.StatusCode == http.StatusOK && ok && (r.code() == codeSuccess || r.Code == nil && r.Acks != nil) {
		return r, nil
	}
	if resp.StatusCode == http.StatusOK && ok {
		return r, fmt.Errorf("%s: HEC did not confirm the request", s.describe(resp.StatusCode, r, ok))
	}
	return r, s.statusError(resp, r, ok, s.now())
}
