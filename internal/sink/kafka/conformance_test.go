package kafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// TestConformance runs the suite against three kfake brokers that require
// SASL, with topics created on demand. The Reader consumes the stream's
// topic from the brokers. Failures are broker answers to the next produce
// request: UNKNOWN_SERVER_ERROR (transient: franz-go gives up on it at
// once, and a later attempt succeeds) and TOPIC_AUTHORIZATION_FAILED
// (permanent: only new ACLs fix it).
func TestConformance(t *testing.T) {
	var cluster *kfake.Cluster // of the latest New
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
			c := saslCluster(t)
			cluster = c
			s, err := New(saslConfig(c))
			if err != nil {
				t.Fatal(err)
			}
			return s, func(t *testing.T, id record.StreamID) []record.Record {
				return decode(t, consumeTopic(t, c, streamTopic(id)), id)
			}
		},
		FailNext: func(t *testing.T, kind sinktest.FailKind) {
			err := kerr.UnknownServerError
			if kind == sinktest.Permanent {
				err = kerr.TopicAuthorizationFailed
			}
			cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: err})
		},
		Secret:      testPassword,
		AtLeastOnce: true,
	})
}
