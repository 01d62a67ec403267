package kafka

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// Credentials of the test clusters. The password is what the suite checks
// every error for.
const (
	testUser     = "gatelog-writer"
	testPassword = "s3cr3t/p@ss word"
)

// hangTimeout bounds reading a topic back: a hang detector, not a
// performance assertion.
const hangTimeout = 10 * time.Second

// newCluster starts a kfake cluster of three brokers, closed when t ends.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// saslCluster starts a cluster that requires SASL PLAIN as testUser and
// creates topics on demand with four partitions, so that a stream kept on
// one partition is a choice of the sink, not luck.
func saslCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	return newCluster(t, append([]kfake.Opt{
		kfake.EnableSASL(), kfake.Superuser("PLAIN", testUser, testPassword),
		kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4),
	}, opts...)...)
}

func saslConfig(c *kfake.Cluster) Config {
	return Config{
		Name: "events", Brokers: c.ListenAddrs(),
		SASL: SASLConfig{Mechanism: "PLAIN", Username: testUser, Password: testPassword},
	}
}

// newSink returns a sink for cfg, closed when t ends.
func newSink(t testing.TB, cfg Config) *Sink {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// consumeTopic reads every record of topic from offset 0 to the high
// watermark kfake reports, partition after partition, with a consumer of
// its own: the destination as any reader sees it.
func consumeTopic(t testing.TB, c *kfake.Cluster, topic string) []*kgo.Record {
	t.Helper()
	offsets, end := map[int32]kgo.Offset{}, map[int32]int64{}
	for _, p := range c.PartitionInfos(topic) {
		if p.HighWatermark > 0 {
			offsets[p.Partition], end[p.Partition] = kgo.NewOffset().At(0), p.HighWatermark
		}
	}
	if len(offsets) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.SASL(plain.Auth{User: testUser, Pass: testPassword}.AsMechanism()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	return pollUntil(t, cl, end)
}

// pollUntil polls until every partition reached its end offset and returns
// the records in partition, then offset, order.
func pollUntil(t testing.TB, cl *kgo.Client, end map[int32]int64) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	byPart := map[int32][]*kgo.Record{}
	for left := len(end); left > 0; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consuming: %d partitions not read to their end within %v", left, hangTimeout)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("consuming %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			byPart[r.Partition] = append(byPart[r.Partition], r)
			if r.Offset == end[r.Partition]-1 {
				left--
			}
		})
	}
	var all []*kgo.Record
	for _, p := range slices.Sorted(maps.Keys(byPart)) {
		all = append(all, byPart[p]...)
	}
	return all
}

// header returns the value of the header named key, or nil.
func header(r *kgo.Record, key string) []byte {
	for _, h := range r.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}

// decode returns the envelopes of the Kafka records of stream id, decoded
// with the suite's independent decoder.
func decode(t testing.TB, krs []*kgo.Record, id record.StreamID) []record.Record {
	t.Helper()
	var out []record.Record
	for _, kr := range krs {
		if !bytes.Equal(header(kr, headerSource), []byte(id.Source)) || !bytes.Equal(header(kr, headerStream), []byte(id.Stream)) {
			continue
		}
		recs, bad := sinktest.JSONLines(append(slices.Clip(kr.Value), '\n'))
		for _, l := range bad {
			t.Errorf("%s offset %d: not an envelope: %s", kr.Topic, kr.Offset, l)
		}
		out = append(out, recs...)
	}
	return out
}

// streamTopic is the default topic of a stream.
func streamTopic(id record.StreamID) string { return "gatelog." + id.Source + "." + id.Stream }
