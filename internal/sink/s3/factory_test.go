package s3

import (
	"testing"

	"github.com/gatelog/gatelog/internal/config/configtest"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// Settings made by the Kind and defaulted build a working sink; the
// loader's settings stay as read.
func TestFactoryBuildsASink(t *testing.T) {
	st := newStore(t)
	s := Factory.Kind.New()
	settings := s.(*Config)
	*settings = st.config()
	settings.Name, settings.PartSize, settings.Timeout = "", 0, 0
	s.SetDefaults(nil)
	if settings.PartSize != DefaultPartSize || settings.Timeout != DefaultTimeout {
		t.Fatalf("defaults: %+v", settings)
	}
	before := *settings
	built, err := Factory.New("archive", s, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	mustWrite(t, built.(*Sink), streamA, []record.Record{at(1, base)})
	if keys := st.keys(t, testPrefix); built.Name() != "archive" || len(keys) == 0 {
		t.Fatalf("sink %q stored %q", built.Name(), keys)
	}
	if *settings != before {
		t.Fatalf("build changed the loader's settings: %+v", settings)
	}
}

func TestEndpoint(t *testing.T) {
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{APIEndpoint: DefaultEndpoint}, "s3.amazonaws.com:443"},
		{Config{APIEndpoint: "minio:9000", Insecure: true}, "minio:9000"},
		{Config{APIEndpoint: "minio", Insecure: true}, "minio:80"},
		{Config{APIEndpoint: "https://r2.example/"}, "r2.example:443"},
	} {
		if hp, skip := tt.c.Endpoint(); hp != tt.want || skip != "" {
			t.Errorf("%+v: Endpoint() = %q, %q, want %q", tt.c, hp, skip, tt.want)
		}
	}
}

// Each check reports with its key and today's words.
func TestSettingsChecks(t *testing.T) {
	configtest.Expect(t, `sinks:
  - name: a
    type: s3
    access_key_id: AK
`, configtest.Sinks(Factory.Kind),
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:2: sinks[0].bucket: required`,
		`gatelog.yaml:2: sinks[0]: access_key_id and secret_access_key go together`,
	)
}
