package postgres

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

// proxy forwards TCP to the database until cut: then it drops every
// connection and refuses new ones, as a lost network or a restarting
// server would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	cut    bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	p.cut = cut
	p.mu.Unlock()
	if cut {
		p.drop()
	}
}

// A database that cannot be reached fails every operation with an error
// wrapping state.ErrUnavailable, which the pipeline retries; once it is
// back the same store works again. A statement the server refuses is not
// "unavailable".
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	dsn := pgtest.Start(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	s, err := Open(t.Context(), u.String(), Options{OpTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cp := state.Checkpoint{Cursor: []byte("1"), Records: 1}
	if err := s.Commit(streamA, cp); err != nil {
		t.Fatal(err)
	}
	p.setCut(true)
	for name, op := range map[string]func() error{
		"Commit":     func() error { return s.Commit(streamA, cp) },
		"Checkpoint": func() error { _, _, err := s.Checkpoint(streamA); return err },
		"Acquire":    func() error { _, err := s.Acquire(streamA, "me", time.Minute); return err },
		"Heartbeat":  func() error { _, err := s.Heartbeat("me", time.Minute); return err },
		"UpdateBudget": func() error {
			_, err := s.UpdateBudget(streamA, func(b *state.Budget) error { b.Used++; return nil })
			return err
		},
	} {
		if err := op(); !errors.Is(err, state.ErrUnavailable) {
			t.Errorf("%s with the database cut off = %v; want ErrUnavailable", name, err)
		}
	}
	p.setCut(false)
	if _, _, err := s.Checkpoint(streamA); err != nil {
		t.Fatalf("after the database came back: %v", err)
	}
	if _, err := s.Acquire(streamA, "me", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(streamA, state.Checkpoint{Generation: 99}); errors.Is(err, state.ErrUnavailable) || !errors.Is(err, state.ErrFenced) {
		t.Errorf("a fenced commit = %v; want ErrFenced, not ErrUnavailable", err)
	}
}
