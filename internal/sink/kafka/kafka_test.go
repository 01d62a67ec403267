package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
)

var (
	streamA = record.StreamID{Source: "acme-fp", Stream: "access"}
	streamB = record.StreamID{Source: "acme-wss", Stream: "access"} // shares A's stream name
	base    = time.Date(2026, 3, 1, 23, 58, 0, 5, time.UTC)
)

// testRecs returns records from..to-1 of id, vendors alternating in runs of
// three, ids that need JSON escapes now and then.
func testRecs(id record.StreamID, from, to int) []record.Record {
	var out []record.Record
	for n := from; n < to; n++ {
		vendor := "forcepoint"
		if n/3%2 == 1 {
			vendor = "symantec"
		}
		rid := fmt.Sprintf("%s-%d", id.Source, n)
		if n%4 == 1 {
			rid += ` "q" <é>`
		}
		out = append(out, record.Record{
			Time: base.Add(time.Duration(n) * time.Minute), Vendor: vendor, Source: id.Source, Stream: id.Stream, ID: rid,
			Fields: json.RawMessage(fmt.Sprintf(`{"n":%d, "big":123456789012345678901234567890}`, n)),
		})
	}
	return out
}

func mustWrite(t *testing.T, s *Sink, id record.StreamID, recs []record.Record) {
	t.Helper()
	if _, err := s.Write(context.Background(), id, recs); err != nil {
		t.Fatalf("Write(%s, %d records): %v", id, len(recs), err)
	}
}

// TestRecordByRecord consumes what two interleaved streams produced and
// checks each Kafka record: key, value, headers, one partition per stream
// in write order, an idempotent producer, and acks=all on every request.
func TestRecordByRecord(t *testing.T) {
	c := saslCluster(t)
	acks := observeAcks(c)
	s := newSink(t, saslConfig(c))
	want := map[record.StreamID][]record.Record{}
	for b, size := range []int{1, 7, 0, 30, 4} {
		for _, id := range []record.StreamID{streamA, streamB} {
			n := len(want[id])
			batch := testRecs(id, n, n+size+b%2)
			mustWrite(t, s, id, batch)
			want[id] = append(want[id], batch...)
		}
	}
	for id, recs := range want {
		checkProduced(t, consumeTopic(t, c, streamTopic(id)), recs)
	}
	for _, a := range acks() {
		if a != -1 {
			t.Errorf("a produce request asked for acks=%d, want -1 (all in-sync replicas)", a)
		}
	}
}

// observeAcks records the acks of every produce request kfake receives.
func observeAcks(c *kfake.Cluster) func() []int16 {
	var mu sync.Mutex
	var acks []int16
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		acks = append(acks, req.(*kmsg.ProduceRequest).Acks)
		mu.Unlock()
		return nil, nil, false
	})
	return func() []int16 {
		mu.Lock()
		defer mu.Unlock()
		return append([]int16(nil), acks...)
	}
}

// checkProduced compares the Kafka records of one topic with want, in order.
func checkProduced(t *testing.T, got []*kgo.Record, want []record.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records in the topic, want %d", len(got), len(want))
	}
	for i, kr := range got {
		w := want[i]
		if kr.Partition != got[0].Partition {
			t.Errorf("record %d is in partition %d, record 0 in %d: a stream must stay on one partition", i, kr.Partition, got[0].Partition)
		}
		if string(kr.Key) != w.ID {
			t.Errorf("record %d: key %q, want the id %q", i, kr.Key, w.ID)
		}
		if env := w.AppendJSON(nil); !bytes.Equal(kr.Value, env) {
			t.Errorf("record %d: value\n%s\nwant\n%s", i, kr.Value, env)
		}
		wantH := []kgo.RecordHeader{{Key: "source", Value: []byte(w.Source)}, {Key: "stream", Value: []byte(w.Stream)}, {Key: "vendor", Value: []byte(w.Vendor)}}
		if fmt.Sprint(kr.Headers) != fmt.Sprint(wantH) {
			t.Errorf("record %d: headers %q, want %q", i, kr.Headers, wantH)
		}
		if kr.ProducerID < 0 {
			t.Errorf("record %d: producer id %d: not written by an idempotent producer", i, kr.ProducerID)
		}
	}
}

// TestVendorTopics splits a stream by vendor: each topic holds its
// vendor's records in write order.
func TestVendorTopics(t *testing.T) {
	c := saslCluster(t)
	cfg := saslConfig(c)
	cfg.Topic = "siem.{vendor}"
	s := newSink(t, cfg)
	recs := testRecs(streamA, 0, 20)
	mustWrite(t, s, streamA, recs[:11])
	mustWrite(t, s, streamA, recs[11:])
	for _, vendor := range []string{"forcepoint", "symantec"} {
		var want []record.Record
		for _, r := range recs {
			if r.Vendor == vendor {
				want = append(want, r)
			}
		}
		checkProduced(t, consumeTopic(t, c, "siem."+vendor), want)
	}
}

// TestUnknownTopic: brokers that do not create topics on demand answer
// UNKNOWN_TOPIC_OR_PARTITION, which only creating the topic fixes.
func TestUnknownTopic(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(2, streamTopic(streamA)))
	s := newSink(t, Config{Name: "events", Brokers: c.ListenAddrs()})
	mustWrite(t, s, streamA, testRecs(streamA, 0, 3))
	audit := record.StreamID{Source: "acme-fp", Stream: "audit"}
	_, err := s.Write(context.Background(), audit, testRecs(audit, 0, 3))
	wantPermanent(t, err, `topic "gatelog.acme-fp.audit" does not exist`, "create it")
}

// TestSASLMechanisms writes with each mechanism kfake offers.
func TestSASLMechanisms(t *testing.T) {
	mechs := []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
	opts := []kfake.Opt{}
	for _, m := range mechs {
		opts = append(opts, kfake.Superuser(m, "user-"+m, testPassword))
	}
	c := saslCluster(t, opts...)
	for _, m := range mechs {
		t.Run(m, func(t *testing.T) {
			cfg := saslConfig(c)
			cfg.SASL = SASLConfig{Mechanism: strings.ToLower(m), Username: "user-" + m, Password: testPassword}
			id := record.StreamID{Source: "acme-fp", Stream: strings.ToLower(m)}
			recs := testRecs(id, 0, 5)
			mustWrite(t, newSink(t, cfg), id, recs)
			checkProduced(t, consumeTopic(t, c, streamTopic(id)), recs)
		})
	}
}

const wrongPassword = "n0t-the-r1ght/s3cret"

// TestWrongPassword: a broker that rejects the credentials as Kafka does
// (KIP-152: SASL_AUTHENTICATION_FAILED and a message) makes the Write fail
// permanently at once, naming the user but not the password. kfake itself
// only closes the connection, which looks like a network failure: that is
// a retryable error once Timeout expires.
func TestWrongPassword(t *testing.T) {
	t.Run("KafkaAnswer", func(t *testing.T) {
		c := saslCluster(t)
		answerAuthFailures(c)
		cfg := saslConfig(c)
		cfg.SASL.Password = wrongPassword
		cfg.Timeout = config.Duration(time.Hour) // a permanent error must not wait for it
		ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
		defer cancel()
		_, err := newSink(t, cfg).Write(ctx, streamA, testRecs(streamA, 0, 3))
		wantPermanent(t, err, `rejected the SASL PLAIN credentials of user "gatelog-writer"`)
		noSecret(t, err, wrongPassword)
	})
	t.Run("ConnectionClosed", func(t *testing.T) {
		c := saslCluster(t)
		cfg := saslConfig(c)
		cfg.SASL.Password = wrongPassword
		cfg.Timeout = config.Duration(300 * time.Millisecond)
		_, err := newSink(t, cfg).Write(context.Background(), streamA, testRecs(streamA, 0, 3))
		wantRetryable(t, err, "not acknowledged within 300ms")
		noSecret(t, err, wrongPassword)
	})
}

// answerAuthFailures makes c answer a wrong PLAIN password the way Kafka
// does, instead of closing the connection.
func answerAuthFailures(c *kfake.Cluster) {
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := r.(*kmsg.SASLAuthenticateRequest)
		if bytes.HasSuffix(req.SASLAuthBytes, []byte("\x00"+testPassword)) {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		msg := "Authentication failed: Invalid username or password"
		resp.ErrorMessage = &msg
		return resp, nil, true
	})
}

// TestTopicACL: a user without WRITE on the topic gets a permanent error
// that says which grant is missing: the cluster's, which idempotent
// producers need first, then the topic's.
func TestTopicACL(t *testing.T) {
	topic := streamTopic(streamA)
	describe := kfake.ACL{Resource: kmsg.ACLResourceTypeTopic, Name: topic, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: kmsg.ACLOperationDescribe, Allow: true}
	idempotent := kfake.ACL{Resource: kmsg.ACLResourceTypeCluster, Name: "kafka-cluster", Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: kmsg.ACLOperationIdempotentWrite, Allow: true}
	c := newCluster(t, kfake.EnableSASL(), kfake.EnableACLs(), kfake.SeedTopics(1, topic),
		kfake.Superuser("PLAIN", testUser, testPassword),
		kfake.User("PLAIN", "reader", testPassword, describe),
		kfake.User("PLAIN", "producer", testPassword, describe, idempotent))
	for user, want := range map[string]string{
		"reader":   `grant it WRITE on topic "gatelog.acme-fp.access" (Kafka 2.8 and later) or IDEMPOTENT_WRITE on the cluster`,
		"producer": `the user may not write to topic "gatelog.acme-fp.access": grant it WRITE and DESCRIBE on the topic`,
	} {
		t.Run(user, func(t *testing.T) {
			cfg := saslConfig(c)
			cfg.SASL.Username = user
			_, err := newSink(t, cfg).Write(context.Background(), streamA, testRecs(streamA, 0, 3))
			wantPermanent(t, err, want)
			noSecret(t, err, testPassword)
		})
	}
}

// TestBrokersDown: with every broker gone, a Write fails retryably when
// Timeout expires, even for records whose request was in flight.
func TestBrokersDown(t *testing.T) {
	c := saslCluster(t)
	cfg := saslConfig(c)
	cfg.Timeout = config.Duration(300 * time.Millisecond)
	s := newSink(t, cfg)
	mustWrite(t, s, streamA, testRecs(streamA, 0, 3))
	c.Close()
	_, err := s.Write(context.Background(), streamA, testRecs(streamA, 3, 6))
	wantRetryable(t, err, "3 records not acknowledged within 300ms")
}

// TestBadTopicName: a source name Kafka cannot take in a topic name.
func TestBadTopicName(t *testing.T) {
	c := saslCluster(t)
	s := newSink(t, saslConfig(c))
	id := record.StreamID{Source: "acme fp", Stream: "access"}
	_, err := s.Write(context.Background(), id, testRecs(id, 0, 1))
	wantPermanent(t, err, `topic "gatelog.acme fp.access" holds characters Kafka does not allow`)
}

// TestStreamHash pins the partition function against an independent FNV-1a:
// changing it would move every stream to another partition on upgrade.
func TestStreamHash(t *testing.T) {
	r := &kgo.Record{Headers: []kgo.RecordHeader{{Key: "source", Value: []byte("acme-fp")}, {Key: "stream", Value: []byte("access")}, {Key: "vendor", Value: []byte("x")}}}
	h := fnv.New32a()
	h.Write([]byte("acme-fp\x00access"))
	if got, want := streamHash(r), h.Sum32(); got != want {
		t.Errorf("streamHash = %d, want FNV-1a of source NUL stream = %d", got, want)
	}
}

func TestConfig(t *testing.T) {
	ok := Config{Name: "k", Brokers: []string{"localhost:9092"}}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no brokers", func(c *Config) { c.Brokers = nil }, "at least one host:port"},
		{"bad broker", func(c *Config) { c.Brokers = []string{"localhost"} }, `broker "localhost": want host:port`},
		{"bad placeholder", func(c *Config) { c.Topic = "logs.{host}" }, `"{" is neither a topic character`},
		{"bad mechanism", func(c *Config) { c.SASL = SASLConfig{Mechanism: "GSSAPI", Username: "u", Password: "pw-in-config"} }, `mechanism "GSSAPI"`},
		{"password without mechanism", func(c *Config) { c.SASL = SASLConfig{Username: "u", Password: "pw-in-config"} }, "without a mechanism"},
		{"no password", func(c *Config) { c.SASL = SASLConfig{Mechanism: "PLAIN", Username: "u"} }, "needs a username and a password"},
		{"tls not enabled", func(c *Config) { c.TLS = config.TLSFiles{CA: "/ca.pem"} }, "tls is not enabled"},
		{"tls missing ca", func(c *Config) { c.TLS = config.TLSFiles{Enabled: true, CA: "/nonexistent/ca.pem"} }, "tls ca file"},
		{"tls cert without key", func(c *Config) { c.TLS = config.TLSFiles{Enabled: true, Cert: "/c.pem"} }, "set both files or neither"},
		{"negative timeout", func(c *Config) { c.Timeout = config.Duration(-time.Second) }, "timeout must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := New(cfg)
			wantPermanent(t, err, tc.want)
			noSecret(t, err, "pw-in-config")
		})
	}
	cfg, err := ok.withDefaults()
	if err != nil || cfg.Topic != DefaultTopic || cfg.ClientID != DefaultClientID || cfg.Timeout != DefaultTimeout {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
}

func wantPermanent(t *testing.T, err error, wants ...string) {
	t.Helper()
	if !errclass.IsPermanent(err) {
		t.Fatalf("got %v, want a permanent error", err)
	}
	wantText(t, err, wants)
}

func wantRetryable(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil || errclass.IsPermanent(err) {
		t.Fatalf("got %v, want a retryable error", err)
	}
	wantText(t, err, wants)
}

func wantText(t *testing.T, err error, wants []string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	t.Logf("error: %v", err)
}

func noSecret(t *testing.T, err error, secret string) {
	t.Helper()
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		if err != nil && strings.Contains(err.Error(), form) {
			t.Errorf("error contains the password: %q", err)
		}
	}
}

// TestAbandonedBatch: a Write whose produce request hangs in the broker
// returns when its context ends; its retry waits for the abandoned records
// to settle and then succeeds. The topic holds every record at least once,
// first appearances in write order.
func TestAbandonedBatch(t *testing.T) {
	c := saslCluster(t)
	s := newSink(t, saslConfig(c))
	mustWrite(t, s, streamA, testRecs(streamA, 0, 3))
	release := make(chan struct{})
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := s.Write(ctx, streamA, testRecs(streamA, 3, 8))
	wantRetryable(t, err, "5 records not acknowledged: context deadline exceeded")
	close(release)
	mustWrite(t, s, streamA, testRecs(streamA, 3, 8))
	mustWrite(t, s, streamA, testRecs(streamA, 8, 10))
	got := decode(t, consumeTopic(t, c, streamTopic(streamA)), streamA)
	var firsts []string
	seen := map[string]bool{}
	for _, r := range got {
		if !seen[r.ID] {
			seen[r.ID] = true
			firsts = append(firsts, r.ID)
		}
	}
	var want []string
	for _, r := range testRecs(streamA, 0, 10) {
		want = append(want, r.ID)
	}
	if fmt.Sprint(firsts) != fmt.Sprint(want) {
		t.Errorf("first appearances %q, want %q (%d records in the topic)", firsts, want, len(got))
	}
	t.Logf("%d records in the topic for 10 written", len(got))
}
