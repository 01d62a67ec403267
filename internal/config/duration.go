package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

const (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour
)

const durationHint = "use a number with a unit s, m, h or d, e.g. 90s, 15m, 1h30m, 30d"

// Duration is a time.Duration that YAML writes as "15m", "1h30m" or "30d".
// Days exist because the vendors count retention and look-back in days.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String writes whole days as "30d" and everything else like
// time.Duration without its zero tails ("15m", not "15m0s"); the result
// parses back to d.
func (d Duration) String() string {
	if d != 0 && time.Duration(d)%day == 0 {
		return strconv.FormatInt(int64(time.Duration(d)/day), 10) + "d"
	}
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// UnmarshalYAML accepts Go durations and whole days.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	return d.UnmarshalText([]byte(s))
}

// UnmarshalText accepts Go durations and whole days.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: %s", b, durationHint)
	}
	*d = v
	return nil
}

// MarshalText writes the String form, so JSON shows "15m", not nanoseconds.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalYAML writes the String form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// parseDuration parses a Go duration, optionally preceded by whole days:
// "30d", "1d12h", "90s". Go durations have no "d" unit, so the first "d"
// can only end the days.
func parseDuration(s string) (Duration, error) {
	days, rest, hasDays := strings.Cut(s, "d")
	if !hasDays {
		v, err := time.ParseDuration(s)
		return Duration(v), err
	}
	n, err := strconv.ParseUint(days, 10, 64)
	if err != nil || n > uint64(math.MaxInt64/int64(day)) {
		return 0, fmt.Errorf("bad day count %q", days)
	}
	total := time.Duration(n) * day
	if rest == "" {
		return Duration(total), nil
	}
	r, err := time.ParseDuration(rest)
	if err != nil || r < 0 || r > math.MaxInt64-total {
		return 0, fmt.Errorf("bad duration after days %q", rest)
	}
	return Duration(total + r), nil
}
