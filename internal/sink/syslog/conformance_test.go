package syslog

import (
	"bytes"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// TestConformance runs the shared sink suite over TCP to a loopback
// receiver. Syslog is at-least-once: a failed write resends the batch.
// Retry classes are covered by the transport tests (a receiver dropping
// the connection mid-batch, TLS rejections), so FailNext is not offered.
func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
			rcv := newReceiver(t, nil, nil)
			s, err := New(Config{Name: "siem", Address: rcv.addr(), Protocol: "tcp", Hostname: "host"})
			if err != nil {
				t.Fatal(err)
			}
			return s, receiverReader(rcv)
		},
		AtLeastOnce: true,
	})
}

// receiverReader returns a stream's records from every connection in
// order. A TCP write is acknowledged once the kernel took it, before the
// receiver read it, so first wait until the receiver stops receiving.
func receiverReader(rcv *receiver) sinktest.Reader {
	return func(t *testing.T, id record.StreamID) []record.Record {
		t.Helper()
		settle(rcv)
		var out []record.Record
		for _, b := range rcv.all() {
			msgs, _ := splitOctet(t, b)
			for _, m := range msgs {
				i := bytes.Index([]byte(m), []byte(`{"time"`))
				if i < 0 {
					t.Fatalf("message without an envelope: %.120q", m)
				}
				recs, bad := sinktest.JSONLines(append([]byte(m[i:]), '\n'))
				if len(bad) > 0 || len(recs) != 1 {
					t.Fatalf("message %.120q: %v", m, bad)
				}
				if recs[0].Source == id.Source && recs[0].Stream == id.Stream {
					out = append(out, recs[0])
				}
			}
		}
		return out
	}
}

// settle waits until the receiver has taken no new byte for a few polls.
func settle(rcv *receiver) {
	last, still := -1, 0
	for deadline := time.Now().Add(hang); still < 5 && time.Now().Before(deadline); {
		n := 0
		for _, b := range rcv.all() {
			n += len(b)
		}
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// all returns every connection's bytes so far, in accept order.
func (r *receiver) all() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]byte, len(r.conns))
	for i, c := range r.conns {
		out[i] = c.bytes()
	}
	return out
}
