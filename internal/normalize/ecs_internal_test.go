package normalize

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestECSRoots keeps ecsRoots, the names a vendor's object must not take,
// equal to the top-level names of the ECS facts schemacheck validates with.
func TestECSRoots(t *testing.T) {
	raw, err := os.ReadFile("schemacheck/testdata/ecs-9.4.0.json")
	if err != nil {
		t.Fatal(err)
	}
	var facts struct {
		Version string         `json:"version"`
		Fields  map[string]any `json:"fields"`
	}
	if err := json.Unmarshal(raw, &facts); err != nil {
		t.Fatal(err)
	}
	var roots []string
	for name := range facts.Fields {
		if root, _, _ := strings.Cut(name, "."); root != "@timestamp" && !slices.Contains(roots, root) {
			roots = append(roots, root)
		}
	}
	slices.Sort(roots)
	if facts.Version != ecsVersion || !slices.Equal(roots, ecsRoots) {
		t.Errorf("ECS %s roots %q\nwant ECS %s roots %q", facts.Version, roots, ecsVersion, ecsRoots)
	}
}

func TestTLSVersion(t *testing.T) {
	for in, want := range map[string]string{"TLSv1.3": "tls 1.3", "TLS 1.2": "tls 1.2", "SSLv3": "ssl 3",
		"tlsv1": "tls 1", "TLSv": "", "TLSvX": "", "QUIC": "", "": "", "TLS1.2x": ""} {
		proto, num := tlsVersion([]byte(in))
		got := strings.TrimSpace(proto + " " + string(num))
		if got != want {
			t.Errorf("tlsVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
