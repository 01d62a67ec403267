package fault

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is one way a response can go wrong.
type Kind int

// The fault kinds a client must survive. Their String forms are what
// ParseKinds accepts, so a command line can name them.
//
// Generic kinds are produced by the Injector itself. Vendor kinds need the
// vendor's own headers or body (a Forcepoint 429 carries X-RateLimit-*, an
// abort is a 200 with a sync trailer), so the Injector only offers them to
// the wrapped handler, which produces them through Take; a request the
// vendor could not answer that way (an abort on a list request) is served
// normally and nothing is counted.
const (
	Status503   Kind = iota // generic: 503 Temporarily unavailable
	Throttle429             // vendor: a short 429 with Retry-After (not a spent budget)
	Reset                   // generic: connection reset part-way through the body
	Truncate                // generic: body cut in half, then a clean close
	Slow                    // generic: SlowDelay before the normal response
	Timeout                 // generic: no answer for TimeoutDelay (longer than the client waits), then the normal response
	Locked423               // vendor: 423 "API access is blocked" (Symantec /reportpod)
	Abort                   // vendor: a sync archive whose trailer says X-sync-status: abort (Symantec)
	Gone410                 // vendor: the sync token sent has expired (Symantec)
)

var kindNames = [...]string{"503", "429", "reset", "truncate", "slow", "timeout", "423", "abort", "410"}

// String returns the name ParseKinds accepts.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// vendor reports whether the wrapped handler, not the Injector, produces k.
func (k Kind) vendor() bool {
	switch k {
	case Throttle429, Locked423, Abort, Gone410:
		return true
	}
	return false
}

// AllKinds returns every kind, the default set.
func AllKinds() []Kind {
	return []Kind{Status503, Throttle429, Reset, Truncate, Slow, Timeout, Locked423, Abort, Gone410}
}

// ParseKinds parses a comma-separated list such as "503,reset".
// An empty string or "all" means every kind. Duplicates are dropped.
func ParseKinds(s string) ([]Kind, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "all") {
		return AllKinds(), nil
	}
	var kinds []Kind
	seen := map[Kind]bool{}
	for _, part := range strings.Split(s, ",") {
		k, err := parseKind(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	return kinds, nil
}

func parseKind(name string) (Kind, error) {
	for i, n := range kindNames {
		if strings.EqualFold(name, n) {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("parse fault kind %q: want one of %s", name, strings.Join(kindNames[:], ", "))
}
