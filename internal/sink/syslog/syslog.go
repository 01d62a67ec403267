// Package syslog is the sink that sends records to a syslog receiver (a
// SIEM, rsyslog, syslog-ng, Logstash) over UDP, TCP or TLS, one message
// per record, in one of four formats: RFC 5424 with the envelope JSON as
// MSG, ArcSight CEF, QRadar LEEF 2.0, or the bare envelope JSON. FORMATS.md
// specifies each byte.
//
// # Delivery
//
// Syslog has no acknowledgements, so "durably accepted" is the most a
// transport confirms:
//
//   - udp is lossy. Write returns nil once every datagram was handed to
//     the kernel; any of them may be dropped on the way or by the receiver.
//     Messages longer than MaxMessageBytes (default 8192) are truncated.
//   - tcp and tls: Write returns nil only after every message of the batch
//     was written to the socket without error. Before each batch the sink
//     checks that the receiver has not closed or reset the connection (a
//     restarted receiver), and reconnects if it has, so a batch is not written
//     into a connection the receiver already closed. A failed write closes the connection
//     and returns a retryable error; the pipeline then writes the same batch
//     again, which reconnects and resends the whole batch. A receiver may
//     therefore see a batch, or its first part, twice (at-least-once).
//     What remains is the loss no syslog sender can see: messages the
//     receiver's kernel accepted but the receiver never processed because it
//     crashed before reading them.
//
// TLS verifies the server certificate (against TLS.CA, else the system
// roots) unless Insecure is set, and presents the client
// certificate when one is configured. A new TLS connection waits 250 ms
// for the receiver to object to our certificate, which TLS 1.3 receivers
// do only after the handshake, so that the first batch does not vanish
// into a connection being refused.
//
// Connect errors are retryable. Bad configuration (unknown protocol or
// format, unreadable CA or client certificate files) and TLS failures that
// reconnecting cannot fix (the server's certificate does not verify, the
// server rejects ours, the port does not speak TLS) are permanent. No error
// contains key material.
//
// The sink keeps no position (Write returns nil) and nothing per stream:
// Recover only checks that the sink is open. Writes of different streams
// share one connection; each batch is written whole while holding it, so
// batches never interleave.
package syslog

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"sync"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// truncMarker ends a message cut to MaxMessageBytes.
const truncMarker = "...[truncated]"

// Sink sends records to one syslog receiver. It is safe for concurrent
// use by different streams.
type Sink struct {
	set  settings
	tls  *tls.Config // nil unless protocol tls
	fmt  *formatter
	pool sync.Pool // *encoder

	// life is closed under mu, so Close waits for a batch in progress and
	// a Write that checks it under mu never sends on a shut connection.
	life *sink.Lifecycle

	mu   sync.Mutex // guards conn; held for a whole batch
	conn *conn      // nil until the first batch, and after a failure
}

var _ sink.Sink = (*Sink)(nil)

// New validates cfg and loads its TLS files. It does not connect: the
// receiver may come up after gatelog, and the first Write connects.
func New(cfg Config) (*Sink, error) {
	set, err := validate(cfg)
	if err != nil {
		return nil, err
	}
	s := &Sink{set: set, fmt: newFormatter(&set), life: sink.NewLifecycle()}
	if set.protocol == "tls" {
		if s.tls, err = buildTLS(cfg.Name, cfg.Address, cfg.TLS, cfg.Insecure); err != nil {
			return nil, err
		}
	}
	s.pool.New = func() any { return new(encoder) }
	return s, nil
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.set.name }

// Recover has nothing to roll back: a receiver cannot take messages back.
// It fails only once the sink is closed.
func (s *Sink) Recover(ctx context.Context, id record.StreamID, _ []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.life.Closed() {
		return s.closedErr("recover", id)
	}
	return nil
}

// Write sends recs as one contiguous run of messages (see the package
// comment for what nil means per protocol). The position is always nil.
func (s *Sink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Encode before taking the lock: streams format in parallel and only
	// share the socket.
	enc := s.pool.Get().(*encoder)
	defer s.putEncoder(enc)
	enc.encode(s.fmt, &s.set, recs)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.life.Closed() {
		return nil, s.closedErr("write", id)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	if err := s.send(ctx, enc); err != nil {
		return nil, fmt.Errorf("syslog sink %q: write %s to %s: %w", s.set.name, id, s.set.address, err)
	}
	return nil, nil
}

// send writes one encoded batch, connecting first when needed. Any write
// error drops the connection, so that the retry starts on a fresh one.
func (s *Sink) send(ctx context.Context, enc *encoder) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	var err error
	if s.conn.udp {
		err = s.conn.writeDatagrams(ctx, enc.messages(), s.set.writeTimeout)
	} else {
		err = s.conn.write(ctx, enc.buf, s.set.writeTimeout)
	}
	if err != nil {
		s.drop()
	}
	return err
}

// connect makes s.conn usable: it keeps a connection the receiver still
// holds open and replaces one it closed. A closed connection whose last
// word was a permanent TLS rejection is reported as such.
func (s *Sink) connect(ctx context.Context) error {
	if s.conn != nil {
		err := s.conn.check()
		if err == nil {
			return nil
		}
		s.drop()
		if err = classifyTLS(err); errclass.IsPermanent(err) {
			return err
		}
	}
	c, err := dial(ctx, &s.set, s.tls)
	if err != nil {
		return err
	}
	s.conn = c
	return nil
}

func (s *Sink) drop() {
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
}

// Close closes the connection (a TLS one with close_notify). Every Write
// already handed its data to the kernel, so there is nothing to flush.
// Close is idempotent.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.life.Close() || s.conn == nil {
		return nil
	}
	err := s.conn.shutdown()
	s.conn = nil
	if err != nil {
		return fmt.Errorf("syslog sink %q: close: %w", s.set.name, err)
	}
	return nil
}

func (s *Sink) closedErr(op string, id record.StreamID) error {
	return fmt.Errorf("syslog sink %q: %s %s: %w", s.set.name, op, id, sink.ErrClosed)
}

// maxPooledBuffer keeps one unusually large batch from pinning its memory.
const maxPooledBuffer = 8 << 20

func (s *Sink) putEncoder(enc *encoder) {
	if cap(enc.buf) <= maxPooledBuffer {
		s.pool.Put(enc)
	}
}

// encoder holds one batch's framed messages and the scratch to build them.
type encoder struct {
	buf  []byte   // framed messages, back to back
	ends []int    // end offset of each message in buf (udp)
	msgs [][]byte // messages() result, reused
	msg  []byte   // one message before framing
	fs   fieldSet
}

// encode formats recs into enc.buf with the configured framing and cap.
func (enc *encoder) encode(f *formatter, set *settings, recs []record.Record) {
	enc.buf, enc.ends = enc.buf[:0], enc.ends[:0]
	framed := set.protocol != "udp"
	for i := range recs {
		enc.msg = truncate(f.appendMessage(enc.msg[:0], &recs[i], &enc.fs), set.maxMessage)
		if framed && !set.newline {
			enc.buf = strconv.AppendInt(enc.buf, int64(len(enc.msg)), 10)
			enc.buf = append(enc.buf, ' ')
		}
		enc.buf = append(enc.buf, enc.msg...)
		if framed && set.newline {
			enc.buf = append(enc.buf, '\n')
		}
		enc.ends = append(enc.ends, len(enc.buf))
	}
}

// messages returns the batch's messages, one per datagram.
func (enc *encoder) messages() [][]byte {
	enc.msgs = enc.msgs[:0]
	start := 0
	for _, end := range enc.ends {
		enc.msgs = append(enc.msgs, enc.buf[start:end])
		start = end
	}
	return enc.msgs
}

// truncate cuts msg to max bytes (0: no limit) at a UTF-8 boundary and
// ends it with truncMarker, so that the receiver sees it was cut.
func truncate(msg []byte, max int) []byte {
	if max == 0 || len(msg) <= max {
		return msg
	}
	cut := max - len(truncMarker)
	for cut > 0 && msg[cut]&0xC0 == 0x80 { // inside a multi-byte character
		cut--
	}
	return append(msg[:cut], truncMarker...)
}
