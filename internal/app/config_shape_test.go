package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config"
)

// A value of the wrong shape is answered with the right form, built from
// the user's own value where that is safe.
func TestShapeErrorsShowTheRightForm(t *testing.T) {
	const fp = "sources:\n  - name: acme\n    type: forcepoint\n    auth: {token: x}\n"
	const kafka = "sources:\n  - {name: a, type: forcepoint, auth: {token: x}}\nsinks:\n  - name: k\n    type: kafka\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"list from a word", fp + "    log_types: access\n",
			"gatelog.yaml:5: sources[0].log_types: expected a list, e.g. log_types: [access]"},
		{"list from words", fp + "    log_types: access, admin swgweb\n",
			"gatelog.yaml:5: sources[0].log_types: expected a list, e.g. log_types: [access, admin, swgweb]"},
		{"list from a mapping", fp + "    log_types: {access: true}\n",
			"gatelog.yaml:5: sources[0].log_types: expected a list, not a mapping, e.g. log_types: [access, admin]"},
		{"brokers", kafka + "    brokers: kafka-1:9092\n",
			"gatelog.yaml:6: sinks[0].brokers: expected a list, e.g. brokers: [kafka-1:9092]"},
		{"brokers from a variable", kafka + "    brokers: ${KAFKA_BROKERS}\n",
			`gatelog.yaml:6: sinks[0].brokers: expected a list, e.g. brokers: ["${KAFKA_BROKERS}"]`},
		{"urls", "sources:\n  - {name: a, type: forcepoint, auth: {token: x}}\nsinks:\n  - {name: es, type: elasticsearch, urls: https://es:9200}\n",
			"gatelog.yaml:4: sinks[0].urls: expected a list, e.g. urls: [https://es:9200]"},
		{"entries written as a mapping", "sources:\n  name: acme\n  type: forcepoint\n  auth: {token: x}\n",
			`gatelog.yaml:2: sources: expected a list: write "- " before the first key of each entry, e.g. sources: [{name: acme, type: forcepoint, ...}]`},
		{"an entry written as a word", fp + "sinks: [archive]\n",
			"gatelog.yaml:5: sinks[0]: expected a mapping, e.g. - {name: archive, type: file, path: ./gatelog-data/logs}"},
		{"auth as a word", "sources:\n  - name: acme\n    type: forcepoint\n    auth: s3cr3t-t0ken\n",
			"gatelog.yaml:4: sources[0].auth: expected a mapping, e.g. auth: {token: ${FORCEPOINT_TOKEN}}"},
		{"tls as a word", kafka + "    brokers: [k:9092]\n    tls: yes\n",
			"gatelog.yaml:7: sinks[0].tls: expected a mapping, e.g. tls: {enabled: true, ca: /etc/ssl/certs/ca.pem}"},
		{"retry as a list", kafka + "    brokers: [k:9092]\n    retry: [3]\n",
			"gatelog.yaml:7: sinks[0].retry: expected a mapping, not a list, e.g. retry: {attempts: 5, initial: 1s, max: 30s}"},
		{"listen_auth", fp + "listen_auth: admin\n",
			"gatelog.yaml:5: listen_auth: expected a mapping, e.g. listen_auth: {username: admin, password: ${GATELOG_LISTEN_PASSWORD}}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse([]byte(c.yaml), "gatelog.yaml", lookup(map[string]string{}))
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatal("the value given for a mapping was repeated")
			}
		})
	}
}

// The example list parses as written and is what was meant.
func TestShapeExampleParses(t *testing.T) {
	const src = "sources:\n  - name: acme\n    type: forcepoint\n    auth: {token: x}\n"
	_, err := parse([]byte(src+"    log_types: access, admin\n"), "gatelog.yaml", lookup(map[string]string{}))
	_, example, _ := strings.Cut(err.Error(), "e.g. ")
	cfg, err := parse([]byte(src+"    "+example+"\n"), "gatelog.yaml", lookup(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fp(cfg.Sources[0]).LogTypes, " "); got != "access admin" {
		t.Fatalf("log_types %q", got)
	}
}

// CheckLocal names the key of a folder that cannot be made, at its line
// when it was written, and never a line that was not.
func TestCheckLocalNamesTheKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const src = "sources:\n  - {name: a, type: forcepoint, auth: {token: x}}\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"sink path", "state: " + dir + "/s/state.db\n" + src + "sinks:\n  - name: archive\n    type: file\n    path: " + file + "/logs\n",
			"gatelog.yaml:7: sinks[0].path: cannot create " + file + "/logs: " + file + " is a file, not a folder"},
		{"default sink", "state: " + file + "/state.db\n" + src,
			"gatelog.yaml:1: state: cannot create " + file + ": " + file + " is a file, not a folder"},
		{"state is a folder", "state: " + dir + "\n" + src + "sinks: [{name: o, type: stdout}]\n",
			"gatelog.yaml:1: state: " + dir + " is a folder: name the state file, e.g. " + dir + "/state.db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parse([]byte(c.yaml), "gatelog.yaml", lookup(map[string]string{}))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.CheckLocal()
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
	// A configuration built in code names the key only.
	cfg := &config.Config{State: filepath.Join(dir, "ok", "state.db"), Sinks: []config.Sink{fileSink("f", file+"/x")}}
	err := cfg.CheckLocal()
	if want := "sinks[0].path: cannot create " + file + "/x: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %s...", err, want)
	}
	// Folders that can be made are made, and pass.
	cfg = &config.Config{State: filepath.Join(dir, "new", "state.db"), Sinks: []config.Sink{fileSink("f", filepath.Join(dir, "new", "logs"))}}
	if err := cfg.CheckLocal(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "new", "logs")); err != nil || !st.IsDir() {
		t.Fatalf("sink folder not made: %v", err)
	}
}
