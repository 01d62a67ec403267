package splunkhec

import (
	"testing"

	"github.com/gatelog/gatelog/internal/config/configtest"
	"github.com/gatelog/gatelog/internal/sink"
)

// Settings made by the Kind and defaulted build a working sink, with the
// channel derived from the name; the loader's settings stay as read.
func TestFactoryBuildsASink(t *testing.T) {
	f := newFakeHEC(t, testToken, true)
	s := Factory.Kind.New()
	settings := s.(*Config)
	settings.URL, settings.Token, settings.Ack = f.srv.URL, testToken, true
	s.SetDefaults(nil)
	if !*settings.Gzip || settings.SourceType != DefaultSourceType || settings.Timeout != DefaultTimeout {
		t.Fatalf("defaults: %+v", settings)
	}
	before := *settings
	built, err := Factory.New("siem", s, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	hs := built.(*Sink)
	recs := testRecs(0, 3)
	mustWrite(t, hs, recs)
	wantRecords(t, f, recs)
	if hs.Name() != "siem" || hs.cfg.Channel != channelFor("siem") || *settings != before {
		t.Fatalf("sink %q channel %q; settings %+v, were %+v", hs.Name(), hs.cfg.Channel, settings, before)
	}
}

func TestEndpoint(t *testing.T) {
	for url, want := range map[string]string{
		"https://splunk.example:8088/services/collector": "splunk.example:8088",
		"https://splunk.example":                         "splunk.example:443",
		"http://127.0.0.1":                               "127.0.0.1:80",
	} {
		if hp, skip := (&Config{URL: url}).Endpoint(); hp != want || skip != "" {
			t.Errorf("%s: Endpoint() = %q, %q, want %q", url, hp, skip, want)
		}
	}
}

// Each check reports with its key and today's words.
func TestSettingsChecks(t *testing.T) {
	configtest.Expect(t, `sinks:
  - name: a
    type: splunk_hec
  - name: b
    type: splunk_hec
    url: http://splunk.example:8088
    token: x
`, configtest.Sinks(Factory.Kind),
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:2: sinks[0].url: required`,
		`gatelog.yaml:2: sinks[0].token: required: a HEC token (use ${HEC_TOKEN})`,
		`gatelog.yaml:6: sinks[1].url: plain http:// is only allowed for loopback hosts; use https://, or set insecure: true`,
	)
}
