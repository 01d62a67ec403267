// Package faultswitch puts a switch in front of a vendor simulator: a test
// turns faults on for the next few requests (the simulator's own fault
// kinds included, through fault.Wrap), or lets another handler answer
// them, and counts every request that reaches the server. The source
// conformance harnesses (sourcetest) build their fixtures on it.
package faultswitch

import (
	"net/http"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
)

// Switch is an http.Handler in front of a simulator. It is safe for
// concurrent use; a fault or an override applies to the requests that
// arrive after it is set, in order.
type Switch struct {
	next http.Handler

	mu       sync.Mutex
	requests int
	// A fault for the next `left` requests it applies to.
	inj  *fault.Injector
	kind fault.Kind
	left int
	// Another handler for the next `overLeft` requests (< 0: all of them).
	over     http.Handler
	overLeft int
}

// New returns a switch in front of next, with nothing turned on.
func New(next http.Handler) *Switch { return &Switch{next: next} }

// Requests is how many requests have reached the switch.
func (s *Switch) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Fail makes the next n requests fail with k, through fault.Wrap with
// Rate 1 and cfg's delays and Retry-After. A vendor kind (429, 423, abort,
// 410) counts only the requests the simulator turned into that fault
// (fault.Take): a request it could not fail that way is served normally
// and does not count.
func (s *Switch) Fail(k fault.Kind, n int, cfg fault.Config) {
	cfg.Rate, cfg.Kinds = 1, []fault.Kind{k}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inj, s.kind, s.left = fault.Wrap(s.next, cfg, nil), k, n
}

// Hold makes the next request wait d (or until its client goes away)
// before it is answered: fault.Timeout with TimeoutDelay d.
func (s *Switch) Hold(d time.Duration) { s.Fail(fault.Timeout, 1, fault.Config{TimeoutDelay: d}) }

// Override lets h answer the next n requests (n < 0: every request from
// now on) instead of the simulator. A fault that is on takes precedence.
func (s *Switch) Override(h http.Handler, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.over, s.overLeft = h, n
}

// Off turns every fault and override off.
func (s *Switch) Off() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inj, s.left, s.over, s.overLeft = nil, 0, nil, 0
}

func (s *Switch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, vendor, inj, kind := s.route()
	if !vendor {
		h.ServeHTTP(w, r)
		return
	}
	before := inj.Counts()[kind]
	h.ServeHTTP(w, r)
	if inj.Counts()[kind] > before {
		s.mu.Lock()
		if s.inj == inj {
			if s.left--; s.left <= 0 {
				s.inj = nil
			}
		}
		s.mu.Unlock()
	}
}

// route counts the request and picks who answers it. A generic fault is
// used up on arrival; a vendor fault once the simulator has taken it.
func (s *Switch) route() (h http.Handler, vendor bool, inj *fault.Injector, kind fault.Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.inj != nil && s.left > 0 {
		if isVendor(s.kind) {
			return s.inj, true, s.inj, s.kind
		}
		inj = s.inj
		if s.left--; s.left == 0 {
			s.inj = nil
		}
		return inj, false, nil, 0
	}
	if s.over != nil {
		h = s.over
		if s.overLeft > 0 {
			if s.overLeft--; s.overLeft == 0 {
				s.over = nil
			}
		}
		return h, false, nil, 0
	}
	return s.next, false, nil, 0
}

func isVendor(k fault.Kind) bool {
	switch k {
	case fault.Throttle429, fault.Locked423, fault.Abort, fault.Gone410:
		return true
	}
	return false
}
