package s3

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/config/configtest"
	"github.com/gatelog/gatelog/internal/errclass"
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
	if !reflect.DeepEqual(*settings, before) {
		t.Fatalf("build changed the loader's settings: %+v", settings)
	}
}

// A parquet sink takes the pipeline's quarantine and refuses a schema it
// cannot store, should a sink be built in code past the loader.
func TestFactoryLake(t *testing.T) {
	st := newStore(t)
	settings := Factory.Kind.New().(*Config)
	*settings = st.lakeConfig()
	settings.SetDefaults(nil)
	if _, err := Factory.New("lake", settings, sink.Deps{Schema: "raw"}); !errclass.IsPermanent(err) ||
		!strings.Contains(err.Error(), `schema "raw" cannot be written with format parquet (allowed: ocsf): Security Lake stores OCSF`) {
		t.Errorf("schema raw: %v", err)
	}
	var rejected []string
	built, err := Factory.New("lake", settings, sink.Deps{Schema: "ocsf", Version: "1.2.3",
		Reject: func(r record.Record, reason string) error { rejected = append(rejected, r.ID+": "+reason); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	mustWrite(t, built.(*Sink), streamA, append(ocsfRecords(t)[:1], at(1, base)))
	if want := []string{at(1, base).ID + ": no OCSF event: the sink's schema must be ocsf"}; !slices.Equal(rejected, want) {
		t.Errorf("rejected %q, want %q", rejected, want)
	}
	objects := st.readLake(t)
	if len(objects) != 1 || objects[0].file.Metadata().CreatedBy != "gatelog version 1.2.3" {
		t.Errorf("%d objects, created by %q", len(objects), objects[0].file.Metadata().CreatedBy)
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

// The Security Lake keys, through the loader: parquet needs account_id
// and region, and takes schema ocsf only (config.SchemaLimited).
func TestLakeSettingsChecks(t *testing.T) {
	kinds := configtest.Sinks(Factory.Kind)
	configtest.Expect(t, `sinks:
  - name: lake
    type: s3
    bucket: b
    format: parquet
    schema: ocsf
`, kinds,
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:2: sinks[0].region: required with format: parquet (the region of the Security Lake, e.g. us-east-1)`,
		`gatelog.yaml:2: sinks[0].account_id: required with format: parquet (the 12-digit AWS account of the Security Lake)`,
	)
	configtest.Expect(t, `sinks:
  - name: lake
    type: s3
    bucket: b
    format: parquet
    account_id: "123456789012"
    region: us-east-1
    schema: raw
`, kinds,
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:8: sinks[0].schema: "raw" cannot be written here (allowed: ocsf): Security Lake stores OCSF`,
	)
	configtest.Expect(t, `sinks:
  - name: lake
    type: s3
    bucket: b
    format: parquet
    account_id: 12345678901
    region: US East
    source_names:
      - {class: 4002, name: my-http}
      - {class: 4002, name: "my http"}
      - {class: -1, name: x}
`, kinds,
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:7: sinks[0].region: "US East" is not an AWS region (e.g. us-east-1)`,
		`gatelog.yaml:6: sinks[0].account_id: "12345678901": want the 12 digits of an AWS account id`,
		`gatelog.yaml:10: sinks[0].source_names[1].class: class 4002 is named twice`,
		`gatelog.yaml:10: sinks[0].source_names[1].name: "my http" is not a Security Lake source name: 1 to 64 of A-Z a-z 0-9 _ - : .`,
		`gatelog.yaml:11: sinks[0].source_names[2].class: -1 is not an OCSF class_uid (0 to 2147483647)`,
		`gatelog.yaml:2: sinks[0].schema: "raw" cannot be written here (allowed: ocsf): Security Lake stores OCSF`,
	)
	configtest.Expect(t, `sinks:
  - name: archive
    type: s3
    bucket: b
    format: parket
    account_id: "123456789012"
    max_object_records: -1
    max_object_bytes: 10
`, kinds,
		`gatelog.yaml: sources: at least one source is required`,
		`gatelog.yaml:5: sinks[0].format: "parket" is not a format (allowed: json, parquet)`,
		`gatelog.yaml:6: sinks[0].account_id: only with format: parquet (the Security Lake layout)`,
		`gatelog.yaml:7: sinks[0].max_object_records: -1 is out of range 1..10000000`,
		`gatelog.yaml:8: sinks[0].max_object_bytes: 10 is out of range 65536 (64 KiB) to 5368709120 (5 GiB)`,
	)
	// Leading zeros of an unquoted account id stay; json takes any schema.
	configtest.Expect(t, `sinks:
  - {name: lake, type: s3, bucket: b, format: parquet, schema: ocsf, account_id: 012345678901, region: eu-west-1,
     source_names: [{class: 4002, name: my-http}]}
  - {name: archive, type: s3, bucket: b, schema: ecs}
`, kinds, `gatelog.yaml: sources: at least one source is required`)
}
