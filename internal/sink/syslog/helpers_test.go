package syslog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// hang is the hang detector of every wait in these tests: far beyond any
// real duration, only there to turn a deadlock into a failure.
const hang = 2 * time.Minute

var idA = record.StreamID{Source: "acme-fp", Stream: "access"}

// batch returns n realistic records of stream id; their ids are
// "<stream>-<b>-<i>" so that order and batch are visible in the output.
func batch(id record.StreamID, b, n int) []record.Record {
	recs := make([]record.Record, n)
	base := time.Date(2026, 11, 21, 6, 27, 33, 0, time.UTC)
	for i := range recs {
		rid := fmt.Sprintf("%s-%d-%d", id.Stream, b, i)
		recs[i] = record.Record{
			Time: base.Add(time.Duration(i) * time.Millisecond), Vendor: "forcepoint", Source: id.Source, Stream: id.Stream, ID: rid,
			Fields: json.RawMessage(`{"transactionid":"` + rid + `","action":"Denied","email":"taro.yamada@acme-gizmo.jp",` +
				`"user":"山田 \"太郎\"","ipaddress":"199.202.160.3","url":"drive.google.com/q?a=b|c","details":"x\\ny"}`),
		}
	}
	return recs
}

// expected returns the framed bytes the sink must send for recs.
func expected(s *Sink, recs []record.Record) []byte {
	var enc encoder
	enc.encode(s.fmt, &s.set, recs)
	return bytes.Clone(enc.buf)
}

// splitOctet splits an octet-counted stream into messages; a torn last
// frame is returned separately.
func splitOctet(t testing.TB, b []byte) (msgs []string, torn []byte) {
	t.Helper()
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return msgs, b
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n <= 0 {
			t.Fatalf("bad octet count %q", b[:min(sp, 20)])
		}
		if len(b) < sp+1+n {
			return msgs, b
		}
		msgs = append(msgs, string(b[sp+1:sp+1+n]))
		b = b[sp+1+n:]
	}
	return msgs, nil
}

// recordID extracts the record id from any of the sink's formats.
func recordID(msg string) string {
	for _, marker := range []string{`" id="`, "externalId=", "gatelogId=", `"id":"`} {
		if i := strings.Index(msg, marker); i >= 0 {
			rest := msg[i+len(marker):]
			return rest[:strings.IndexAny(rest, "\" \t")]
		}
	}
	return ""
}

// receiver is a loopback TCP syslog receiver that keeps every connection's
// bytes. hook, when set, runs per accepted connection instead of io.Copy.
type receiver struct {
	ln   net.Listener
	hook func(n int, c net.Conn, buf *syncBuffer)

	mu    sync.Mutex
	conns []*syncBuffer
	wg    sync.WaitGroup
}

func newReceiver(t *testing.T, ln net.Listener, hook func(n int, c net.Conn, buf *syncBuffer)) *receiver {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	r := &receiver{ln: ln, hook: hook}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	return r
}

func (r *receiver) addr() string { return r.ln.Addr().String() }

func (r *receiver) accept() {
	defer r.wg.Done()
	for n := 0; ; n++ {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		buf := &syncBuffer{done: make(chan struct{})}
		r.mu.Lock()
		r.conns = append(r.conns, buf)
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer close(buf.done)
			defer c.Close()
			if r.hook != nil {
				r.hook(n, c, buf)
				return
			}
			io.Copy(buf, c)
		}()
	}
}

// conn waits for the i-th connection to end and returns its bytes.
func (r *receiver) conn(t *testing.T, i int) []byte {
	t.Helper()
	deadline := time.Now().Add(hang)
	for {
		r.mu.Lock()
		var buf *syncBuffer
		if i < len(r.conns) {
			buf = r.conns[i]
		}
		r.mu.Unlock()
		if buf != nil {
			select {
			case <-buf.done:
				return buf.bytes()
			case <-time.After(time.Until(deadline)):
				t.Fatalf("connection %d did not end", i)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection %d", i)
		}
		time.Sleep(time.Millisecond)
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	done chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func (s *syncBuffer) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func newSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "siem"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	t.Cleanup(cancel)
	return ctx
}

func write(t *testing.T, s *Sink, id record.StreamID, recs []record.Record) {
	t.Helper()
	pos, err := s.Write(ctxT(t), id, recs)
	if err != nil || pos != nil {
		t.Fatalf("Write = %q, %v", pos, err)
	}
}
