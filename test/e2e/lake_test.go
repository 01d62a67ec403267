package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/parquet-go/parquet-go"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck"
	"github.com/gatelog/gatelog/internal/simulator"
)

var lakeKey = regexp.MustCompile(`^lake/ext/([a-z0-9-]+)/region=eu-west-1/accountId=123456789012/eventDay=(\d{8})/[^/]+\.parquet$`)

// A run of both simulated vendors into an S3 sink in Security Lake form:
// every object is Parquet under a custom source's key, one OCSF class per
// source, and its rows, read back with parquet-go, are valid OCSF events,
// one per raw record.
func TestRunDeliversOCSFParquetToSecurityLake(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("sec"); err != nil {
		t.Fatal(err)
	}
	s3srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(s3srv.Close)
	end := time.Now().UTC().Truncate(time.Hour)
	sw := simulator.DefaultSymantec()
	sw.Seed, sw.Start, sw.End, sw.LinesPerHour, sw.MinInterval = 92, end.Add(-2*time.Hour), end, 200, -1
	sim := startSim(t, simulator.Options{Forcepoint: simConfig(92, 120, 100), Symantec: sw})
	dir := t.TempDir()
	path := bothConfig(t, dir, sim.URL)
	t.Setenv("TEST_S3_SECRET", "test-s3-secret")
	writeFile(t, path, strings.Replace(readFile(t, path), "sinks:\n", "sinks:\n"+
		"  - {name: lake, type: s3, format: parquet, schema: ocsf, bucket: sec, prefix: lake/, account_id: \"123456789012\", region: eu-west-1,"+
		" endpoint: \""+strings.TrimPrefix(s3srv.URL, "http://")+"\", insecure: true, use_path_style: true, access_key_id: AKIATEST,"+
		" secret_access_key: \"${TEST_S3_SECRET}\", max_object_records: 500}\n", 1))
	requireDone(t, runOnce(t, path, time.Minute), len(tenTypes)+2)

	raw := 0
	for source, names := range map[string][]string{"acme": tenTypes, "demo-wss": {"accesslog", "audit"}} {
		for _, stream := range names {
			raw += len(readStream(t, filepath.Join(dir, "logs"), source, stream))
		}
	}
	rows, classes := 0, map[string]float64{}
	for key, body := range s3Objects(t, s3srv.URL, "sec", "lake/") {
		m := lakeKey.FindStringSubmatch(key)
		if m == nil {
			t.Fatalf("object %s is not at a Security Lake custom-source key", key)
		}
		for i, row := range parquetRows(t, key, body) {
			rows++
			js, _ := json.Marshal(row)
			if err := schemacheck.OCSF(js); err != nil {
				t.Fatalf("%s: row %d: %v\n%s", key, i, err, js)
			}
			class, _ := row["class_uid"].(float64)
			if prev, ok := classes[m[1]]; ok && prev != class {
				t.Fatalf("%s: class %v in the source of class %v", key, class, prev)
			}
			classes[m[1]] = class
		}
	}
	if rows != raw || len(classes) < 4 {
		t.Fatalf("%d rows in %d sources, want %d (one per raw record) in several", rows, len(classes), raw)
	}
}

// s3Objects reads every object under prefix.
func s3Objects(t *testing.T, url, bucket, prefix string) map[string][]byte {
	t.Helper()
	mc, err := minio.New(strings.TrimPrefix(url, "http://"), &minio.Options{Creds: credentials.NewStaticV4("AKIATEST", "test-s3-secret", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for o := range mc.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		obj, err := mc.GetObject(t.Context(), bucket, o.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if out[o.Key], err = io.ReadAll(obj); err != nil {
			t.Fatal(err)
		}
		obj.Close()
	}
	return out
}

// parquetRows reads a Parquet object's rows with parquet-go, as JSON
// values (numbers as float64), unset columns left out.
func parquetRows(t *testing.T, key string, body []byte) []map[string]any {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	var rows []map[string]any
	for {
		m := map[string]any{}
		if err := r.Read(&m); errors.Is(err, io.EOF) {
			return rows
		} else if err != nil {
			t.Fatalf("%s: row %d: %v", key, len(rows), err)
		}
		js, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(js, &v); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, withoutNulls(v).(map[string]any))
	}
}

func withoutNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if x == nil {
				delete(v, k)
			} else {
				v[k] = withoutNulls(x)
			}
		}
	case []any:
		for i := range v {
			v[i] = withoutNulls(v[i])
		}
	}
	return v
}
