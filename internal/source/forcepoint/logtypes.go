package forcepoint

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatelog/gatelog/internal/config"
)

// The log types Forcepoint's API serves; see docs/forcepoint-one-sse-api.md §1.
var (
	logTypes = []string{
		"access", "admin", "cloudaudit", "cloudsummary",
		"swgweb", "swgwebdlp", "healthproxy", "healthapi", "healthsystem",
	}
	// ztna appears in the newer docs only, not in the parameter table, so
	// it is opt-in rather than pulled by default.
	optInTypes = []string{"ztna"}
)

// LogTypes returns the log types collected by default.
func LogTypes() []string { return slices.Clone(logTypes) }

// OptInTypes returns the log types collected only when listed.
func OptInTypes() []string { return slices.Clone(optInTypes) }

func allTypes() []string { return slices.Concat(logTypes, optInTypes) }

// minCV is the lowest collector version ("cv") a log type is served at; the
// vendor's own collector raises cv the same way (docs §3).
var minCV = map[string]string{
	"swgweb":       "1.1.0",
	"swgwebdlp":    "1.1.0",
	"healthproxy":  "1.1.5",
	"healthapi":    "1.1.5",
	"healthsystem": "1.1.5",
	"ztna":         "1.1.5",
}

// Limit each part to 6 digits so comparing never overflows.
var cvPattern = regexp.MustCompile(`^[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}$`)

// EffectiveCV returns the cv to send for logType: the configured one, raised
// to the minimum that log type needs.
func (c *Config) EffectiveCV(logType string) string {
	cv := config.OrDefault(c.CV, DefaultCV)
	if low, ok := minCV[logType]; ok && compareCV(cv, low) < 0 {
		return low
	}
	return cv
}

// compareCV compares versions N.N.N numerically per part ("1.10.0" is newer
// than "1.9.0"). A malformed version sorts lowest, so a minimum wins over it.
func compareCV(a, b string) int {
	pa, okA := parseCV(a)
	pb, okB := parseCV(b)
	if !okA || !okB {
		return compareBool(okA, okB)
	}
	return slices.Compare(pa, pb)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func parseCV(v string) ([]int, bool) {
	if !cvPattern.MatchString(v) {
		return nil, false
	}
	parts := strings.Split(v, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		out[i], _ = strconv.Atoi(p)
	}
	return out, true
}
