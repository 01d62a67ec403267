// Package telemetry turns pipeline events into Prometheus metrics and
// serves them with the health endpoints. It keeps its own registry (no
// globals), so tests and several pipelines in one process do not mix.
package telemetry

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
)

// Metrics holds gatelog's series. Credentials never become a label: labels
// are source, stream and sink names only.
type Metrics struct {
	Registry *prometheus.Registry

	records, bad, requests, bytes, batches, retries, failures *prometheus.CounterVec
	lastSuccess, newest, waitingUntil                         *prometheus.GaugeVec
	budgetLimit, budgetRemaining, budgetReset                 *prometheus.GaugeVec
	recordsBehind, pollInterval                               *prometheus.GaugeVec
	responses                                                 *prometheus.CounterVec
	sinkRecords, sinkBatches, sinkErrors                      *prometheus.CounterVec
	sinkQueue                                                 *prometheus.GaugeVec

	mu      sync.Mutex
	streams map[record.StreamID]*streamState
	now     func() time.Time
}

// streamState is what /readyz judges a stream by.
type streamState struct {
	newest       time.Time
	lastSuccess  time.Time
	waitingUntil time.Time
	failed       bool
	// elsewhere: another instance runs the stream (or will); this one is
	// not judged by it.
	elsewhere bool
	// plan is the stream's latest plan (paced streams), for
	// gatelog_catch_up_seconds at scrape time; planned once it has one.
	plan    source.Plan
	planned bool
}

// New registers every series with build information.
func New(version, commit string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), streams: map[record.StreamID]*streamState{}, now: time.Now}
	streamLabels := []string{"source", "stream"}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "gatelog", Name: name, Help: help}, orLabels(labels, streamLabels))
		m.Registry.MustRegister(c)
		return c
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "gatelog", Name: name, Help: help}, orLabels(labels, streamLabels))
		m.Registry.MustRegister(g)
		return g
	}
	m.records = counter("records_total", "Records delivered to every sink and checkpointed.")
	m.bad = counter("quarantined_total", "Vendor records that did not parse and were quarantined.")
	m.requests = counter("requests_total", "Requests sent to the vendor API.")
	m.bytes = counter("response_bytes_total", "Response bytes read from the vendor API.")
	m.batches = counter("batches_total", "Batches delivered and checkpointed.")
	m.retries = counter("retries_total", "Failures followed by a retry, by reason (503, 5xx, 429_throttle, 429_daily, budget, paced, 423, 410, abort, reset, truncated, timeout, connect, malformed, sink, quarantine, state, other).",
		"source", "stream", "reason")
	m.failures = counter("failures_total", "Permanent failures of a stream or of one of its sink routes.")
	m.lastSuccess = gauge("last_success_timestamp_seconds", "When the stream last delivered or found it had caught up.")
	m.newest = gauge("newest_event_timestamp_seconds", "Event time of the newest delivered record.")
	m.waitingUntil = gauge("throttled_until_timestamp_seconds", "When a throttled stream may send again (0: not throttled).")
	m.budgetLimit = gauge("request_budget_limit", "Requests the stream may send per UTC day (daily_request_budget).")
	m.budgetRemaining = gauge("request_budget_remaining", "Requests the stream may still send before its budget resets.")
	m.budgetReset = gauge("request_budget_reset_timestamp_seconds", "When the stream's request budget next refills.")
	m.recordsBehind = gauge("records_behind", "Records a paced stream estimates the vendor holds that it has not read (0 caught up, -1 unknown).")
	m.pollInterval = gauge("poll_interval_seconds", "The wait between a paced stream's requests now (0: one right after the other).")
	m.responses = counter("http_responses_total", "Vendor API answers by HTTP status code (code=\"error\": no answer came).",
		"source", "stream", "code")
	m.sinkRecords = counter("sink_records_total", "Records a sink accepted.", "sink")
	m.sinkBatches = counter("sink_batches_total", "Batches a sink accepted.", "sink")
	m.sinkErrors = counter("sink_errors_total", "Failed writes to a sink, retried ones included.", "sink")
	m.sinkQueue = gauge("sink_queue_depth", "Batches waiting for, or in, a write to the sink.", "sink")
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "gatelog", Name: "build_info",
		Help: "Build of this gatelog.", ConstLabels: prometheus.Labels{"version": version, "commit": commit}}, func() float64 { return 1 }))
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Registry.MustRegister(&lagCollector{m: m})
	return m
}

func orLabels(labels, def []string) []string {
	if len(labels) == 0 {
		return def
	}
	return labels
}

// Observe takes one pipeline event; pass it as pipeline.Options.Observe.
func (m *Metrics) Observe(e pipeline.Event) {
	if e.Sink != "" {
		m.observeSink(e)
		return
	}
	l := prometheus.Labels{"source": e.ID.Source, "stream": e.ID.Stream}
	st := m.state(e.ID)
	now := m.now()
	if b := e.Budget; b != nil {
		m.budgetLimit.With(l).Set(float64(b.Limit))
		m.budgetRemaining.With(l).Set(float64(b.Remaining))
		m.budgetReset.With(l).Set(unix(b.Reset))
		if p := b.Plan; !p.IsZero() {
			m.recordsBehind.With(l).Set(float64(p.Behind))
			m.pollInterval.With(l).Set(p.Every.Seconds())
			m.mu.Lock()
			st.plan, st.planned = p, true
			m.mu.Unlock()
		}
	}
	switch e.Kind {
	case pipeline.EventStarted, pipeline.EventElsewhere:
		m.mu.Lock()
		st.failed, st.elsewhere = false, e.Kind == pipeline.EventElsewhere
		m.mu.Unlock()
	case pipeline.EventDelivered:
		m.records.With(l).Add(float64(e.Records))
		m.bad.With(l).Add(float64(e.Bad))
		m.requests.With(l).Add(float64(e.Requests))
		m.bytes.With(l).Add(float64(e.Bytes))
		m.batches.With(l).Add(float64(max(e.Batches, 1)))
		m.succeeded(l, st, now, e.EventTime)
	case pipeline.EventCaughtUp:
		m.succeeded(l, st, now, e.EventTime)
	case pipeline.EventWaiting:
		m.retried(e)
		m.waitingUntil.With(l).Set(unix(e.Until))
		m.mu.Lock()
		st.waitingUntil = e.Until
		m.mu.Unlock()
	case pipeline.EventRetrying, pipeline.EventRetry:
		m.retried(e)
	case pipeline.EventFailed:
		m.failures.With(l).Inc()
		m.mu.Lock()
		st.failed = true
		m.mu.Unlock()
	}
}

func (m *Metrics) retried(e pipeline.Event) {
	reason := e.Reason
	if reason == "" {
		reason = "other"
	}
	m.retries.With(prometheus.Labels{"source": e.ID.Source, "stream": e.ID.Stream, "reason": reason}).Inc()
}

func (m *Metrics) observeSink(e pipeline.Event) {
	l := prometheus.Labels{"sink": e.Sink}
	switch e.Kind {
	case pipeline.EventSinkQueued:
		m.sinkQueue.With(l).Inc()
	case pipeline.EventSinkRetrying:
		m.sinkErrors.With(l).Inc()
	case pipeline.EventSinkWritten:
		m.sinkQueue.With(l).Dec()
		if e.Err != nil {
			m.sinkErrors.With(l).Inc()
			return
		}
		m.sinkRecords.With(l).Add(float64(e.Records))
		m.sinkBatches.With(l).Inc()
	}
}

// ObserveHTTP takes one vendor API exchange; pass it as httpx.Options.Observe.
func (m *Metrics) ObserveHTTP(x httpx.Exchange) {
	code := "error"
	if x.Status != 0 {
		code = strconv.Itoa(x.Status)
	}
	src := x.Stream.Source
	if src == "" {
		src = x.Client // a request outside any stream (e.g. Symantec's location list)
	}
	m.responses.With(prometheus.Labels{"source": src, "stream": x.Stream.Stream, "code": code}).Inc()
}

func (m *Metrics) succeeded(l prometheus.Labels, st *streamState, now, newest time.Time) {
	m.lastSuccess.With(l).Set(unix(now))
	m.waitingUntil.With(l).Set(0)
	if !newest.IsZero() {
		m.newest.With(l).Set(unix(newest))
	}
	m.mu.Lock()
	st.lastSuccess, st.waitingUntil, st.failed = now, time.Time{}, false
	if newest.After(st.newest) {
		st.newest = newest
	}
	m.mu.Unlock()
}

func (m *Metrics) state(id record.StreamID) *streamState {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.streams[id]
	if st == nil {
		st = &streamState{}
		m.streams[id] = st
	}
	return st
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// lagCollector reports checkpoint lag (now minus the newest delivered event
// time) at scrape time, so it grows while a stream is stuck.
type lagCollector struct{ m *Metrics }

var lagDesc = prometheus.NewDesc("gatelog_checkpoint_lag_seconds",
	"Now minus the event time of the newest delivered record.", []string{"source", "stream"}, nil)

var catchUpDesc = prometheus.NewDesc("gatelog_catch_up_seconds",
	"How long a paced stream expects to take to catch up at its pace: 0 caught up, -1 not at this budget or unknown.", []string{"source", "stream"}, nil)

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc; ch <- catchUpDesc }

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	now := c.m.now()
	for id, st := range c.m.streams {
		if !st.newest.IsZero() {
			ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, now.Sub(st.newest).Seconds(), id.Source, id.Stream)
		}
		if st.planned {
			ch <- prometheus.MustNewConstMetric(catchUpDesc, prometheus.GaugeValue, catchUpSeconds(st.plan, now), id.Source, id.Stream)
		}
	}
}

// catchUpSeconds is the time a plan expects to catch up in from now.
func catchUpSeconds(p source.Plan, now time.Time) float64 {
	switch {
	case p.Behind == 0:
		return 0
	case p.Behind < 0 || p.CatchUpAt.IsZero():
		return -1
	}
	return max(p.CatchUpAt.Sub(now).Seconds(), 0)
}
