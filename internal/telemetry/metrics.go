// Package telemetry turns pipeline events into Prometheus metrics and
// serves them with the health endpoints. It keeps its own registry (no
// globals), so tests and several pipelines in one process do not mix.
package telemetry

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
)

// Metrics holds gatelog's series. Credentials never become a label: labels
// are source, stream and sink names only.
type Metrics struct {
	Registry *prometheus.Registry

	records, bad, requests, bytes, batches, retries, failures *prometheus.CounterVec
	lastSuccess, newest, waitingUntil                         *prometheus.GaugeVec

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
}

// New registers every series with build information.
func New(version, commit string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), streams: map[record.StreamID]*streamState{}, now: time.Now}
	counter := func(name, help string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "gatelog", Name: name, Help: help}, []string{"source", "stream"})
		m.Registry.MustRegister(c)
		return c
	}
	gauge := func(name, help string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "gatelog", Name: name, Help: help}, []string{"source", "stream"})
		m.Registry.MustRegister(g)
		return g
	}
	m.records = counter("records_total", "Records delivered to every sink and checkpointed.")
	m.bad = counter("quarantined_total", "Vendor records that did not parse and were quarantined.")
	m.requests = counter("requests_total", "Requests sent to the vendor API.")
	m.bytes = counter("response_bytes_total", "Response bytes read from the vendor API.")
	m.batches = counter("batches_total", "Batches delivered and checkpointed.")
	m.retries = counter("retries_total", "Transient failures followed by a retry.")
	m.failures = counter("failures_total", "Permanent failures of a stream or of one of its sink routes.")
	m.lastSuccess = gauge("last_success_timestamp_seconds", "When the stream last delivered or found it had caught up.")
	m.newest = gauge("newest_event_timestamp_seconds", "Event time of the newest delivered record.")
	m.waitingUntil = gauge("throttled_until_timestamp_seconds", "When a throttled stream may send again (0: not throttled).")
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "gatelog", Name: "build_info",
		Help: "Build of this gatelog.", ConstLabels: prometheus.Labels{"version": version, "commit": commit}}, func() float64 { return 1 }))
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Registry.MustRegister(&lagCollector{m: m})
	return m
}

// Observe takes one pipeline event; pass it as pipeline.Options.Observe.
func (m *Metrics) Observe(e pipeline.Event) {
	l := prometheus.Labels{"source": e.ID.Source, "stream": e.ID.Stream}
	st := m.state(e.ID)
	now := m.now()
	switch e.Kind {
	case pipeline.EventDelivered:
		m.records.With(l).Add(float64(e.Records))
		m.bad.With(l).Add(float64(e.Bad))
		m.requests.With(l).Add(float64(e.Requests))
		m.bytes.With(l).Add(float64(e.Bytes))
		m.batches.With(l).Inc()
		m.succeeded(l, st, now, e.EventTime)
	case pipeline.EventCaughtUp:
		m.succeeded(l, st, now, e.EventTime)
	case pipeline.EventWaiting:
		m.waitingUntil.With(l).Set(unix(e.Until))
		m.mu.Lock()
		st.waitingUntil = e.Until
		m.mu.Unlock()
	case pipeline.EventRetrying:
		m.retries.With(l).Inc()
	case pipeline.EventFailed:
		m.failures.With(l).Inc()
		m.mu.Lock()
		st.failed = true
		m.mu.Unlock()
	}
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

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	now := c.m.now()
	for id, st := range c.m.streams {
		if !st.newest.IsZero() {
			ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, now.Sub(st.newest).Seconds(), id.Source, id.Stream)
		}
	}
}
