package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

const (
	// writeChunk is how much of a batch one Write call hands the kernel:
	// WriteTimeout then bounds a stall, not the time a big batch takes.
	writeChunk = 64 << 10
	// tlsSettle is how long a new TLS connection waits for the receiver to
	// object. In TLS 1.3 the server checks our certificate after our side
	// of the handshake is done; its rejection arrives as an alert that,
	// unread, would let the first batch vanish into a closed connection.
	tlsSettle = 250 * time.Millisecond
	// drainWait is how long reading pending receiver data may take where
	// the socket cannot be peeked at (see peek_other.go).
	drainWait = time.Millisecond
)

// conn is one connection to the receiver. Syslog receivers never send
// application data, so anything readable is a close, a TLS alert or a
// TLS post-handshake message.
type conn struct {
	c   net.Conn // what messages are written to: raw, or TLS over raw
	raw net.Conn // the socket, for peeking
	udp bool
}

// dial connects to the receiver and, for TLS, completes the handshake and
// waits tlsSettle for a rejection of our certificate.
func dial(ctx context.Context, s *settings, tcfg *tls.Config) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.dialTimeout)
	defer cancel()
	network := "tcp"
	if s.protocol == "udp" {
		network = "udp"
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, network, s.address)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	c := &conn{c: raw, raw: raw, udp: network == "udp"}
	if tcfg == nil {
		return c, nil
	}
	tc := tls.Client(raw, tcfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, classifyTLS(fmt.Errorf("tls handshake with %s: %w", s.address, err))
	}
	c.c = tc
	if err := c.drain(tlsSettle); err != nil {
		c.close()
		if errors.Is(err, io.EOF) {
			// Some receivers (rsyslog's gtls) drop a client they reject
			// without an alert; it could also be a passing overload, so
			// this stays retryable, with the likely cause named.
			err = fmt.Errorf("%w: the receiver closed the connection right after the handshake (does it require a client certificate?)", err)
		}
		return nil, classifyTLS(fmt.Errorf("tls connection to %s: %w", s.address, err))
	}
	return c, nil
}

// check reports why the connection is unusable, or nil. Before a batch it
// catches a receiver that closed or reset the connection (restarted, say):
// TCP would still accept the batch into the socket and lose it.
func (c *conn) check() error {
	if c.udp {
		return nil
	}
	switch st, err := peek(c.raw); st {
	case peekEmpty:
		return nil
	case peekClosed:
		if err == nil {
			err = errors.New("the receiver closed the connection")
		}
		return err
	default: // data (a TLS record) or cannot tell: read it
		return c.drain(drainWait)
	}
}

// drain reads and discards what the receiver sent until wait passes; it
// returns the read error that ended the connection (EOF, a TLS alert).
// crypto/tls keeps working after a read timeout, unlike a write timeout.
func (c *conn) drain(wait time.Duration) error {
	if err := c.c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return err
	}
	var buf [512]byte
	for {
		_, err := c.c.Read(buf[:])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return c.c.SetReadDeadline(time.Time{})
		}
		if err != nil {
			return err
		}
	}
}

// write sends p in chunks, each with its own deadline, and gives up when
// ctx ends (mid-chunk too: the deadline is pulled in).
func (c *conn) write(ctx context.Context, p []byte, timeout time.Duration) error {
	stop := context.AfterFunc(ctx, func() { c.c.SetWriteDeadline(time.Now()) })
	defer stop()
	for len(p) > 0 {
		n := min(len(p), writeChunk)
		if err := c.writeOnce(ctx, p[:n], timeout); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// writeDatagrams sends each message as one datagram.
func (c *conn) writeDatagrams(ctx context.Context, msgs [][]byte, timeout time.Duration) error {
	for _, m := range msgs {
		if err := c.writeOnce(ctx, m, timeout); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) writeOnce(ctx context.Context, p []byte, timeout time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.c.Write(p); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// close drops the connection without a TLS close_notify: after a failed
// write the stream is in an unknown state, and a clean close would only
// delay.
func (c *conn) close() {
	c.raw.Close()
}

// shutdown closes the connection cleanly; crypto/tls bounds its
// close_notify write by itself.
func (c *conn) shutdown() error {
	return c.c.Close()
}
