package elastic

import (
	"testing"

	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

const (
	testAPIKey   = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
	testPassword = "pw-Fq8/+ &x"
)

// TestConformance runs the suite with an API key on indexes, and with
// basic authentication on a data stream. A record redelivered meets its
// own _id (409) and the cluster holds it once: exactly-once in effect,
// which is what the suite checks by reading each id back exactly once.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret string
		setup  func(*fakeES, *Config)
	}{
		{"APIKeyIndex", testAPIKey, func(f *fakeES, c *Config) { f.apiKey, c.APIKey = testAPIKey, testAPIKey }},
		{"BasicDataStream", testPassword, func(f *fakeES, c *Config) {
			f.user, f.pass = "gatelog", testPassword
			c.Username, c.Password = "gatelog", testPassword
			c.DataStream = "logs-gatelog.{source}.{stream}-default"
			for _, n := range []string{"logs-gatelog.acme-fp.access-default", "logs-gatelog.acme-wss.access-default",
				"logs-gatelog.acme-fp.audit-default", "logs-gatelog.acme-wss.audit-default"} {
				f.streams[n] = true
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f *fakeES // of the latest New
			sinktest.Run(t, sinktest.Harness{
				New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
					f = newFakeES(t)
					s := newTestSink(t, f, func(c *Config) { tc.setup(f, c) })
					return s, f.records
				},
				FailNext: func(t *testing.T, kind sinktest.FailKind) {
					if kind == sinktest.Permanent {
						f.failNext(unauthorized)
					} else {
						f.failNext(unavailable)
					}
				},
				Secret:      tc.secret,
				ExactlyOnce: true,
			})
		})
	}
}
