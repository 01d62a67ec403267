package elastic

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config/configtest"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// Settings made by the Kind and defaulted build a working sink from a
// single url, handing refused documents to Deps.Reject; the loader's
// settings stay as read.
func TestFactoryBuildsASink(t *testing.T) {
	f := newFakeES(t)
	s := Factory.Kind.New()
	settings := s.(*Config)
	settings.URL = f.srv.URL + "/"
	s.SetDefaults(nil)
	if settings.Index != "" || settings.Timeout != DefaultTimeout {
		t.Fatalf("defaults: %+v", settings)
	}
	var rejected []string
	reject := func(rec record.Record, reason string) error {
		rejected = append(rejected, rec.ID)
		return nil
	}
	built, err := Factory.New("es", s, sink.Deps{Reject: reject})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	f.failItem("tx-0001", badMapping)
	es := built.(*Sink)
	mustWrite(t, es, testRecs(0, 3))
	want := slices.Delete(testRecs(0, 3), 1, 2)
	wantRecords(t, f, want)
	if es.Name() != "es" || !slices.Equal(rejected, []string{"tx-0001"}) {
		t.Fatalf("sink %q rejected %q", es.Name(), rejected)
	}
	if settings.URL != f.srv.URL+"/" || settings.URLs != nil {
		t.Fatalf("build changed the loader's settings: %+v", settings)
	}
}

// With schema ecs the documents, which carry their own @timestamp, go to
// Elastic's data stream of their dataset unless index or data_stream says
// otherwise; the raw envelope keeps its dated index.
func TestDestinationBySchema(t *testing.T) {
	for _, tc := range []struct{ schema, index, want string }{
		{"ecs", "", "logs-gatelog.admin-default"},
		{"raw", "", "gatelog-acme-fp-admin-2026.03.01"},
		{"ecs", "mine-{stream}", "mine-admin"},
	} {
		f := newFakeES(t)
		s := Factory.Kind.New().(*Config)
		s.URL, s.Index = f.srv.URL, tc.index
		s.SetDefaults(nil)
		built, err := Factory.New("es", s, sink.Deps{Schema: tc.schema})
		if err != nil {
			t.Fatal(err)
		}
		rec := testRecs(0, 1)[0]
		rec.Stream = "admin"
		if tc.schema == "ecs" {
			rec.Schema, rec.Event = "ecs", json.RawMessage(`{"@timestamp":"2026-03-01T23:59:00Z","event":{"id":"tx-0000"}}`)
		}
		if _, err := built.Write(t.Context(), record.StreamID{Source: rec.Source, Stream: "admin"}, []record.Record{rec}); err != nil {
			t.Fatal(err)
		}
		built.Close()
		docs := f.stored()
		if len(docs) != 1 || docs[0].index != tc.want {
			t.Fatalf("%+v: stored %+v, want one document in %s", tc, docs, tc.want)
		}
		if tc.schema == "ecs" && string(docs[0].source) != string(rec.Event) {
			t.Errorf("ECS document = %s, want the event as it is", docs[0].source)
		}
	}
}

func TestEndpoint(t *testing.T) {
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{URL: "https://es.example"}, "es.example:443"},
		{Config{URLs: []string{"http://es-1.example", "http://es-2.example"}}, "es-1.example:80"},
		{Config{URL: "https://es.example:9200/"}, "es.example:9200"},
	} {
		if hp, skip := tt.c.Endpoint(); hp != tt.want || skip != "" {
			t.Errorf("%+v: Endpoint() = %q, %q, want %q", tt.c, hp, skip, tt.want)
		}
	}
}

// Each check reports with its key and today's words.
func TestSettingsChecks(t *testing.T) {
	yaml := `sinks:
  - name: a
    type: elasticsearch
    url: https://es.example:9200
    urls: [https://es-1.example:9200]
    api_key: k
    username: u
    index: logs
    data_stream: logs-gatelog
  - name: b
    type: elasticsearch
    urls: [https://es-1.example:9200, "ftp://es-2"]
  - name: c
    type: elasticsearch
  - name: d
    type: elasticsearch
    urls: {node: https://es-1:9200}
`
	kinds := configtest.Sinks(Factory.Kind)
	configtest.Expect(t, yaml, kinds,
		`gatelog.yaml:17: sinks[3].urls: expected a list, not a mapping, e.g. urls: [https://es-1:9200, https://es-2:9200]`,
	)
	configtest.Expect(t, yaml[:strings.Index(yaml, "  - name: d")], kinds,
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:5: sinks[0].urls: set either url or urls, not both`,
		`gatelog.yaml:2: sinks[0]: set either api_key or username and password, not both`,
		`gatelog.yaml:8: sinks[0].index: set either index or data_stream, not both`,
		`gatelog.yaml:12: sinks[1].urls[1]: "ftp://es-2" must be an absolute http(s) URL`,
		`gatelog.yaml:13: sinks[2].url: required`,
	)
}
