package syslog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/google/go-cmp/cmp"
)

// TestTCPFraming: octet-counted and newline-framed batches arrive intact,
// in order, on one connection.
func TestTCPFraming(t *testing.T) {
	for _, tt := range []struct{ framing, format string }{
		{"", "rfc5424"}, {"octet", "cef"}, {"newline", "leef"}, {"", "json"},
	} {
		t.Run(tt.framing+"-"+tt.format, func(t *testing.T) {
			rcv := newReceiver(t, nil, nil)
			s := newSink(t, Config{Address: rcv.addr(), Protocol: "tcp", Framing: tt.framing, Format: tt.format})
			var all []record.Record
			for b := range 3 {
				recs := batch(idA, b, 50)
				write(t, s, idA, recs)
				all = append(all, recs...)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got := rcv.conn(t, 0)
			if !bytes.Equal(got, expected(s, all)) {
				t.Fatalf("received bytes differ from the formatted batches")
			}
			msgs := splitFrames(t, got, s.set.newline)
			if len(msgs) != len(all) {
				t.Fatalf("%d messages, want %d", len(msgs), len(all))
			}
			for i, m := range msgs {
				if id := recordID(m); id != all[i].ID {
					t.Fatalf("message %d is %s, want %s", i, id, all[i].ID)
				}
			}
		})
	}
}

func splitFrames(t *testing.T, b []byte, newline bool) []string {
	if newline {
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	msgs, torn := splitOctet(t, b)
	if len(torn) > 0 {
		t.Fatalf("torn frame %q", torn)
	}
	return msgs
}

// TestDropMidBatch: the receiver drops the connection in the middle of a
// batch. Write fails (retryable); after Recover the same batch goes out
// whole on a new connection.
func TestDropMidBatch(t *testing.T) {
	const keep = 32 << 10
	rcv := newReceiver(t, nil, func(n int, c net.Conn, buf *syncBuffer) {
		if n > 0 {
			io.Copy(buf, c)
			return
		}
		// Small buffers so that the batch cannot hide in them; closing
		// with unread data makes the kernel reset the connection.
		c.(*net.TCPConn).SetReadBuffer(8 << 10)
		io.CopyN(buf, c, keep)
	})
	s := newSink(t, Config{Address: rcv.addr(), Protocol: "tcp"})
	write(t, s, idA, nil) // nothing to send: does not even connect
	recs := batch(idA, 1, 4000)
	ctx := ctxT(t)
	if err := s.connect(ctx); err != nil {
		t.Fatal(err)
	}
	s.conn.raw.(*net.TCPConn).SetWriteBuffer(8 << 10)
	_, err := s.Write(ctx, idA, recs)
	if err == nil || errclass.IsPermanent(err) {
		t.Fatalf("Write after a drop = %v, want a retryable error", err)
	}
	t.Logf("Write: %v", err)
	if err := s.Recover(ctx, idA, nil); err != nil {
		t.Fatal(err)
	}
	write(t, s, idA, recs)
	s.Close()
	first, _ := splitOctet(t, rcv.conn(t, 0))
	if len(first) == 0 || len(first) >= len(recs) {
		t.Fatalf("first connection got %d messages, want part of the batch", len(first))
	}
	if got, want := rcv.conn(t, 1), expected(s, recs); !bytes.Equal(got, want) {
		t.Fatalf("second connection got %d bytes, want the whole batch (%d bytes)", len(got), len(want))
	}
}

// TestReceiverRestartBetweenBatches: a receiver that closed the connection
// while the sink was idle is noticed before the next batch, which then goes
// out whole on a new connection instead of into the dead one.
func TestReceiverRestartBetweenBatches(t *testing.T) {
	size1 := make(chan int, 1)
	closed := make(chan struct{})
	rcv := newReceiver(t, nil, func(n int, c net.Conn, buf *syncBuffer) {
		if n > 0 {
			io.Copy(buf, c)
			return
		}
		io.CopyN(buf, c, int64(<-size1))
		c.Close() // everything read: a FIN, as from a receiver shutting down
		close(closed)
	})
	s := newSink(t, Config{Address: rcv.addr(), Protocol: "tcp"})
	b1, b2 := batch(idA, 1, 10), batch(idA, 2, 10)
	size1 <- len(expected(s, b1))
	write(t, s, idA, b1)
	select {
	case <-closed:
	case <-time.After(hang):
		t.Fatal("receiver did not get batch 1")
	}
	write(t, s, idA, b2)
	s.Close()
	if got := rcv.conn(t, 0); !bytes.Equal(got, expected(s, b1)) {
		t.Fatalf("batch 1: %d bytes", len(got))
	}
	if got := rcv.conn(t, 1); !bytes.Equal(got, expected(s, b2)) {
		t.Fatalf("batch 2 did not arrive whole on a new connection: %d bytes", len(got))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestConcurrentStreams: batches of different streams written at the same
// time each arrive contiguous and in order.
func TestConcurrentStreams(t *testing.T) {
	rcv := newReceiver(t, nil, nil)
	s := newSink(t, Config{Address: rcv.addr(), Protocol: "tcp", Format: "cef"})
	streams := []record.StreamID{{Source: "a", Stream: "access"}, {Source: "b", Stream: "swgweb"}, {Source: "c", Stream: "admin"}}
	const batches, size = 20, 30
	var wg sync.WaitGroup
	for _, id := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if _, err := s.Write(context.Background(), id, batch(id, b, size)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	s.Close()
	msgs, torn := splitOctet(t, rcv.conn(t, 0))
	if len(torn) > 0 || len(msgs) != len(streams)*batches*size {
		t.Fatalf("%d messages (torn %q)", len(msgs), torn)
	}
	next := map[string]int{} // stream -> next batch expected
	for i := 0; i < len(msgs); i += size {
		var stream string
		var b int
		fmt.Sscanf(strings.ReplaceAll(recordID(msgs[i]), "-", " "), "%s %d", &stream, &b)
		for j := range size {
			if want := fmt.Sprintf("%s-%d-%d", stream, b, j); recordID(msgs[i+j]) != want {
				t.Fatalf("message %d is %s, want %s: batches interleaved", i+j, recordID(msgs[i+j]), want)
			}
		}
		if b != next[stream] {
			t.Fatalf("stream %s: batch %d, want %d", stream, b, next[stream])
		}
		next[stream]++
	}
}

// TestUDP: one datagram per message, long ones truncated to the default cap.
func TestUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s := newSink(t, Config{Address: pc.LocalAddr().String(), Protocol: "udp"})
	recs := batch(idA, 0, 5)
	recs[3].Fields = json.RawMessage(`{"details":"` + strings.Repeat("é", 10000) + `"}`)
	write(t, s, idA, recs)
	var enc encoder
	enc.encode(s.fmt, &s.set, recs)
	pc.SetReadDeadline(time.Now().Add(hang))
	for i, want := range enc.messages() {
		buf := make([]byte, 70000)
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:n], want) {
			t.Fatalf("datagram %d differs", i)
		}
		if i == 3 && (n != defaultUDPMax-1 && n != defaultUDPMax || !bytes.HasSuffix(buf[:n], []byte(truncMarker))) {
			t.Fatalf("long record: %d bytes, want truncated to %d", n, defaultUDPMax)
		}
	}
}

func TestDialErrorIsRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := newSink(t, Config{Address: addr, Protocol: "tcp"})
	_, err = s.Write(ctxT(t), idA, batch(idA, 0, 1))
	if err == nil || errclass.IsPermanent(err) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Write to a closed port = %v, want a retryable error naming the address", err)
	}
}

func TestCloseAndCancel(t *testing.T) {
	rcv := newReceiver(t, nil, nil)
	s := newSink(t, Config{Address: rcv.addr(), Protocol: "tcp"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Write(ctx, idA, batch(idA, 0, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context = %v", err)
	}
	write(t, s, idA, batch(idA, 0, 1))
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close = %v", err)
		}
	}
	if _, err := s.Write(ctxT(t), idA, batch(idA, 0, 1)); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
	if err := s.Recover(ctxT(t), idA, nil); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Recover after Close = %v", err)
	}
}

// TestConfigErrors: every bad setting is a permanent error naming it.
func TestConfigErrors(t *testing.T) {
	ok := Config{Name: "siem", Address: "127.0.0.1:514", Protocol: "tcp"}
	for _, tt := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Protocol = "" }, `protocol ""`},
		{func(c *Config) { c.Protocol = "relp" }, `protocol "relp"`},
		{func(c *Config) { c.Address = "localhost" }, `address "localhost"`},
		{func(c *Config) { c.Format = "gelf" }, `format "gelf"`},
		{func(c *Config) { c.Framing = "lf" }, `framing "lf"`},
		{func(c *Config) { c.Protocol, c.Framing = "udp", "octet" }, `framing "octet"`},
		{func(c *Config) { c.Facility = 24 }, "facility 24"},
		{func(c *Config) { c.Hostname = "gw 01" }, `hostname "gw 01"`},
		{func(c *Config) { c.AppName = strings.Repeat("a", 49) }, "app name"},
		{func(c *Config) { c.Version = "1\n2" }, "version"},
		{func(c *Config) { c.MaxMessageBytes = 100 }, "max message bytes 100"},
		{func(c *Config) { c.Protocol, c.MaxMessageBytes = "udp", 70000 }, "max message bytes 70000"},
		{func(c *Config) { c.DialTimeout = -1 }, "negative timeout"},
		{func(c *Config) { c.TLS.CA = "ca.pem" }, "use protocol tls"},
		{func(c *Config) { c.Protocol, c.TLS.CA = "tls", "/nonexistent/ca.pem" }, "/nonexistent/ca.pem"},
		{func(c *Config) { c.Protocol, c.TLS.Cert = "tls", "c.pem" }, "set both files or neither"},
	} {
		cfg := ok
		tt.edit(&cfg)
		_, err := New(cfg)
		if err == nil || !errclass.IsPermanent(err) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `"siem"`) {
			t.Errorf("New(%+v) = %v, want a permanent error with %q", cfg, err, tt.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	s, err := New(Config{Address: "127.0.0.1:514", Protocol: "udp"})
	if err != nil {
		t.Fatal(err)
	}
	want := settings{
		address: "127.0.0.1:514", protocol: "udp", format: formatRFC5424, facility: 13, hostname: defaultHostname(),
		appName: "gatelog", procID: fmt.Sprint(os.Getpid()), version: "dev", dialTimeout: 10 * time.Second,
		writeTimeout: 30 * time.Second, maxMessage: 8192,
	}
	if diff := cmp.Diff(want, s.set, cmp.AllowUnexported(settings{})); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	j, err := New(Config{Address: "127.0.0.1:514", Protocol: "tcp", Format: "json"})
	if err != nil || !j.set.newline || j.set.maxMessage != 0 {
		t.Errorf("json over tcp: newline %v max %d, %v", j.set.newline, j.set.maxMessage, err)
	}
}
