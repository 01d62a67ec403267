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
const (
	Status503   Kind = iota // 503 Temporarily unavailable
	Throttle429             // 429 with Retry-After
	Reset                   // connection reset part-way through the body
	Truncate                // body cut in half, then a clean close
	Slow                    // SlowDelay before the normal response
)

var kindNames = [...]string{"503", "429", "reset", "truncate", "slow"}

// String returns the name ParseKinds accepts.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// AllKinds returns every kind, the default set.
func AllKinds() []Kind {
	return []Kind{Status503, Throttle429, Reset, Truncate, Slow}
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
