package e2e

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/simulator"
)

// octetListener accepts RFC 6587 octet-counted syslog over TCP and keeps
// every message.
type octetListener struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func listenOctets(t *testing.T) *octetListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &octetListener{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go l.read(c)
		}
	}()
	return l
}

func (l *octetListener) read(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		n, err := r.ReadString(' ')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return
		}
		msg := make([]byte, size)
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		l.mu.Lock()
		l.msgs = append(l.msgs, string(msg))
		l.mu.Unlock()
	}
}

var rfc5424Head = regexp.MustCompile(`^<[0-9]{1,3}>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+Z [^ ]+ gatelog [^ ]+ admin \[gatelog@32473 `)

// Two sinks on one source: the file sink and syslog over TCP both hold
// every record, the syslog messages in RFC 5424 with the envelope as MSG.
func TestRunDeliversToFileAndSyslog(t *testing.T) {
	l := listenOctets(t)
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(61, 400, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"admin"}, "")
	withSyslog := strings.Replace(readFile(t, cfg), "sinks:\n", "sinks:\n  - {name: siem, type: syslog, address: \""+l.ln.Addr().String()+"\", protocol: tcp}\n", 1)
	writeFile(t, cfg, withSyslog)
	requireDone(t, runOnce(t, cfg, time.Minute), 1)
	want := sim.Forcepoint.Expected("admin", time.Time{})
	checkExact(t, filepath.Join(dir, "logs"), "acme", "admin", want)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.msgs) != len(want) {
		t.Fatalf("syslog got %d messages, want %d", len(l.msgs), len(want))
	}
	files := readStream(t, filepath.Join(dir, "logs"), "acme", "admin")
	for i, m := range l.msgs {
		if !rfc5424Head.MatchString(m) {
			t.Fatalf("message %d is not RFC 5424: %.80q", i, m)
		}
		j := strings.Index(m, `{"time"`)
		var env line
		if j < 0 || json.Unmarshal([]byte(strings.TrimSpace(m[j:])), &env) != nil || env.ID != files[i].ID {
			t.Fatalf("message %d does not carry record %s in order: %.200q", i, files[i].ID, m)
		}
	}
}

// hecFake accepts HEC events (gzip'd or not) with one token, keeping the
// ids of the envelopes they carry.
func hecFake(t *testing.T, token string) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Splunk "+token {
			w.WriteHeader(403)
			fmt.Fprint(w, `{"text":"Invalid token","code":4}`)
			return
		}
		body := io.Reader(r.Body)
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Error(err)
				return
			}
			body = zr
		}
		dec := json.NewDecoder(body)
		mu.Lock()
		for dec.More() {
			var ev struct{ Event line }
			if err := dec.Decode(&ev); err != nil {
				t.Error(err)
				break
			}
			ids = append(ids, ev.Event.ID)
		}
		mu.Unlock()
		fmt.Fprint(w, `{"text":"Success","code":0}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(ids) }
}

// bulkFake accepts _bulk create requests with one API key; a second create
// of an id answers 409, as Elasticsearch does.
func bulkFake(t *testing.T, apiKey string) (*httptest.Server, func() map[string]int) {
	t.Helper()
	var mu sync.Mutex
	docs := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "ApiKey "+apiKey {
			w.WriteHeader(401)
			return
		}
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var items []string
		mu.Lock()
		for sc.Scan() {
			var action struct {
				Create struct {
					ID string `json:"_id"`
				}
			}
			json.Unmarshal(sc.Bytes(), &action)
			sc.Scan() // the document
			status := 201
			if docs[action.Create.ID] > 0 {
				status = 409
			}
			docs[action.Create.ID]++
			items = append(items, fmt.Sprintf(`{"create":{"_id":%q,"status":%d}}`, action.Create.ID, status))
		}
		mu.Unlock()
		fmt.Fprintf(w, `{"errors":false,"items":[%s]}`, strings.Join(items, ","))
	}))
	t.Cleanup(srv.Close)
	return srv, func() map[string]int { mu.Lock(); defer mu.Unlock(); return maps.Clone(docs) }
}

// The HEC and Elasticsearch sinks, configured from YAML, receive every
// record; a second run (redelivery) adds no document in Elasticsearch.
func TestRunDeliversToSplunkAndElasticsearch(t *testing.T) {
	hec, hecIDs := hecFake(t, "hec-t0ken")
	es, esDocs := bulkFake(t, "es-k3y")
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(62, 300, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"access"}, "")
	t.Setenv("TEST_HEC", "hec-t0ken")
	t.Setenv("TEST_ES", "es-k3y")
	writeFile(t, cfg, strings.Replace(readFile(t, cfg), "sinks:\n", "sinks:\n"+
		"  - {name: splunk, type: splunk_hec, url: \""+hec.URL+"\", token: \"${TEST_HEC}\"}\n"+
		"  - {name: search, type: elasticsearch, url: \""+es.URL+"\", api_key: \"${TEST_ES}\"}\n", 1))
	requireDone(t, runOnce(t, cfg, time.Minute), 1)
	want := sim.Forcepoint.Expected("access", time.Time{})
	files := readStream(t, filepath.Join(dir, "logs"), "acme", "access")
	if got := hecIDs(); len(got) != len(want) || got[0] != files[0].ID || got[len(got)-1] != files[len(files)-1].ID {
		t.Fatalf("HEC got %d events, want %d in order", len(got), len(want))
	}
	docs := esDocs()
	if len(docs) != len(want) {
		t.Fatalf("Elasticsearch holds %d documents, want %d", len(docs), len(want))
	}
	// Redeliver everything: reset the stream and run again.
	if out, err := gatelogCmd(dir, "state", "reset", "acme/access", "--yes", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	requireDone(t, runOnce(t, cfg, time.Minute), 1)
	if n := len(esDocs()); n != len(want) {
		t.Fatalf("after redelivery Elasticsearch holds %d documents, want %d", n, len(want))
	}
}
