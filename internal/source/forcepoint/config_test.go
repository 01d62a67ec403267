package forcepoint

import (
	"slices"
	"testing"
)

func TestEffectiveCV(t *testing.T) {
	for _, tc := range []struct {
		cv, logType, want string
	}{
		{"", "access", "1.1.5"},
		{"1.0.7", "access", "1.0.7"},
		{"1.0.7", "admin", "1.0.7"},
		{"1.0.7", "swgweb", "1.1.0"},
		{"1.0.7", "swgwebdlp", "1.1.0"},
		{"1.0.7", "healthproxy", "1.1.5"},
		{"1.0.7", "healthapi", "1.1.5"},
		{"1.0.7", "healthsystem", "1.1.5"},
		{"1.0.7", "ztna", "1.1.5"},
		{"1.1.2", "swgweb", "1.1.2"},
		{"1.1.2", "healthapi", "1.1.5"},
		// Numeric, not lexical: 1.1.10 is newer than 1.1.5.
		{"1.1.10", "healthproxy", "1.1.10"},
		{"1.10.0", "swgweb", "1.10.0"},
		{"2.0.0", "ztna", "2.0.0"},
		{"1.1.7", "unknown-type", "1.1.7"},
		// A malformed cv (Validate rejects it) never wins over a minimum.
		{"1.1", "swgweb", "1.1.0"},
	} {
		c := Config{CV: tc.cv}
		if got := c.EffectiveCV(tc.logType); got != tc.want {
			t.Errorf("cv %q, type %s: EffectiveCV = %q, want %q", tc.cv, tc.logType, got, tc.want)
		}
	}
}

func TestCompareCV(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.1.5", "1.1.5", 0},
		{"1.1.5", "1.1.10", -1},
		{"1.9.0", "1.10.0", -1},
		{"2.0.0", "1.99.99", 1},
		{"x", "1.0.0", -1},
		{"1.0.0", "x", 1},
	} {
		if got := compareCV(tc.a, tc.b); got != tc.want {
			t.Errorf("compareCV(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestLogTypeListsAreCopies(t *testing.T) {
	a := LogTypes()
	a[0] = "changed"
	if LogTypes()[0] != "access" || len(a) != 9 {
		t.Error("LogTypes shares its backing array")
	}
	if got := OptInTypes(); !slices.Equal(got, []string{"ztna"}) {
		t.Errorf("OptInTypes = %v", got)
	}
}

// A stream sends the cv its type needs, not the one configured.
func TestStreamSendsEffectiveCV(t *testing.T) {
	cfg := Config{BaseURL: "https://portal.bitglass.com", CV: "1.0.7", LogTypes: []string{"access", "swgweb"}}
	src, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range src.Streams() {
		got = append(got, st.(*stream).cv)
	}
	if want := []string{"1.0.7", "1.1.0"}; !slices.Equal(got, want) {
		t.Errorf("cv per stream = %v, want %v", got, want)
	}
}
