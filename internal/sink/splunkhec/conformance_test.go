package splunkhec

import (
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

const testToken = "11111111-2222-4333-8444-555555555555"

// newTestSink returns a sink on f, with acks polled without delay.
func newTestSink(t testing.TB, f *fakeHEC, edit func(*Config)) *Sink {
	t.Helper()
	cfg := Config{Name: "siem", URL: f.srv.URL, Token: testToken, Ack: f.ack, AckPoll: config.Duration(time.Millisecond)}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformance runs the suite with indexer acknowledgement (where a
// Write must wait for indexing to see its events) and without, uncompressed.
// HEC cannot remove events, so the sink is at-least-once.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  bool
		gzip bool
	}{{"Ack", true, true}, {"NoAckNoGzip", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var f *fakeHEC // of the latest New
			sinktest.Run(t, sinktest.Harness{
				New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
					f = newFakeHEC(t, testToken, tc.ack)
					return newTestSink(t, f, func(c *Config) { c.Gzip = &tc.gzip }), f.records
				},
				FailNext: func(t *testing.T, kind sinktest.FailKind) {
					if kind == sinktest.Permanent {
						f.failNext(invalidToken)
					} else {
						f.failNext(busy)
					}
				},
				Secret:      testToken,
				AtLeastOnce: true,
			})
		})
	}
}
