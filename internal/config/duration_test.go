package config

import (
	"encoding/json"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"15m", 15 * time.Minute, true},
		{"90s", 90 * time.Second, true},
		{"1h30m", 90 * time.Minute, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"0d", 0, true},
		{"0s", 0, true},
		{"-1h", -time.Hour, true},
		{"106751d", 106751 * 24 * time.Hour, true},
		{"106752d", 0, false},
		{"1.5d", 0, false},
		{"-1d", 0, false},
		{"d", 0, false},
		{"1d-1h", 0, false},
		{"1dd", 0, false},
		{"15", 0, false},
		{"15x", 0, false},
		{"", 0, false},
	} {
		got, err := parseDuration(tc.in)
		if (err == nil) != tc.ok || time.Duration(got) != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok=%v", tc.in, time.Duration(got), err, tc.want, tc.ok)
		}
	}
}

func TestDurationString(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{24 * time.Hour, "1d"},
		{30 * 24 * time.Hour, "30d"},
		{25 * time.Hour, "25h"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{15 * time.Minute, "15m"},
		{90 * time.Second, "1m30s"},
		{1500 * time.Millisecond, "1.5s"},
		{-time.Minute, "-1m"},
	} {
		got := Duration(tc.d).String()
		if got != tc.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tc.d, got, tc.want)
		}
		if back, err := parseDuration(got); err != nil || back != Duration(tc.d) {
			t.Errorf("%q does not parse back to %v: %v, %v", got, tc.d, back, err)
		}
	}
}

func TestDurationEncodings(t *testing.T) {
	var v struct {
		D Duration `yaml:"d" json:"d"`
	}
	if err := yaml.Unmarshal([]byte("d: 2d\n"), &v); err != nil || v.D.Std() != 48*time.Hour {
		t.Fatalf("yaml: %v, %v", v.D, err)
	}
	err := yaml.Unmarshal([]byte("d: 2 days\n"), &v)
	if err == nil || err.Error() != `invalid duration "2 days": `+durationHint {
		t.Errorf("yaml error = %v", err)
	}
	js, err := json.Marshal(v)
	if err != nil || string(js) != `{"d":"2d"}` {
		t.Errorf("json = %s, %v", js, err)
	}
	if err := json.Unmarshal([]byte(`{"d":"90s"}`), &v); err != nil || v.D.Std() != 90*time.Second {
		t.Errorf("json decode: %v, %v", v.D, err)
	}
}
