package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
)

var (
	streamA = record.StreamID{Source: "acme-fp", Stream: "access"}
	base    = time.Date(2026, 3, 1, 10, 58, 30, 7, time.UTC)
)

// at returns record n of streamA at the given time.
func at(n int, t time.Time) record.Record {
	return record.Record{
		Time: t, Vendor: "forcepoint", Source: streamA.Source, Stream: streamA.Stream, ID: fmt.Sprintf("id-%d \"q\" <é>", n),
		Fields: json.RawMessage(fmt.Sprintf(`{"n":%d, "big":123456789012345678901234567890, "f":1.50e0}`, n)),
	}
}

// lines is what an object of recs holds.
func lines(recs ...record.Record) []byte {
	var b []byte
	for i := range recs {
		b = append(recs[i].AppendJSON(b), '\n')
	}
	return b
}

func mustWrite(t *testing.T, s *Sink, id record.StreamID, recs []record.Record) {
	t.Helper()
	if _, err := s.Write(context.Background(), id, recs); err != nil {
		t.Fatalf("Write(%s, %d records): %v", id, len(recs), err)
	}
}

// TestObjectsPerHour writes one batch over three UTC hours, going back in
// time once: one object per hour, records in batch order, keys named after
// the hour and the first record, each followed by its manifest.
func TestObjectsPerHour(t *testing.T) {
	st := newStore(t)
	s := st.sink(t)
	r0, r1, r2, r3 := at(0, base), at(1, base.Add(2*time.Minute)), at(2, base.Add(-time.Minute)), at(3, base.Add(63*time.Minute))
	mustWrite(t, s, streamA, []record.Record{r0, r1, r2, r3})
	want := map[string][]byte{
		"2026/03/01/10/20260301T105830.000000007Z": lines(r0, r2),
		"2026/03/01/11/20260301T110030.000000007Z": lines(r1),
		"2026/03/01/12/20260301T120130.000000007Z": lines(r3),
	}
	keys := st.keys(t, testPrefix)
	if len(keys) != 2*len(want) {
		t.Fatalf("keys %q, want %d objects and their manifests", keys, len(want))
	}
	for _, k := range keys {
		if strings.HasSuffix(k, manifestSuffix) {
			continue
		}
		stem, ok := strings.CutPrefix(k, testPrefix+"acme-fp/access/")
		hash := stem[len(stem)-len("-0123456789abcdef.jsonl.gz"):]
		stem = strings.TrimSuffix(stem, hash)
		if !ok || want[stem] == nil || !slices.Contains(keys, k+manifestSuffix) {
			t.Errorf("unexpected key %q (or no manifest)", k)
			continue
		}
		if got := st.objectLines(t, k); !bytes.Equal(got, want[stem]) {
			t.Errorf("%s:\n%s\nwant\n%s", k, got, want[stem])
		}
		info, err := st.client(t).StatObject(context.Background(), testBucket, k, minio.StatObjectOptions{})
		if err != nil || info.ContentType != "application/gzip" {
			t.Errorf("%s: content type %q, %v; want application/gzip", k, info.ContentType, err)
		}
	}
	got := st.readStream(t, streamA) // checks every manifest
	if len(got) != 4 {
		t.Errorf("read %d records, want 4", len(got))
	}
}

// TestManifest checks one manifest field by field, as JSON.
func TestManifest(t *testing.T) {
	st := newStore(t)
	mustWrite(t, st.sink(t), streamA, []record.Record{at(0, base.Add(time.Second)), at(1, base)})
	keys := st.keys(t, testPrefix)
	var m map[string]any
	if err := json.Unmarshal(st.get(t, keys[1]), &m); err != nil || !strings.HasSuffix(keys[1], manifestSuffix) {
		t.Fatalf("%q: %v", keys, err)
	}
	want := map[string]any{
		"count": 2.0, "first_time": "2026-03-01T10:58:30.000000007Z", "last_time": "2026-03-01T10:58:31.000000007Z",
		"sha256": m["sha256"], "source": "acme-fp", "stream": "access",
	}
	if fmt.Sprint(m) != fmt.Sprint(want) || len(m["sha256"].(string)) != 64 {
		t.Errorf("manifest %v, want %v", m, want)
	}
	st.readStream(t, streamA) // checks the hash
}

// TestRedelivery: the same batch again overwrites its objects; the same
// records cut into other batches make new objects, so they are stored twice
// (at-least-once), none lost.
func TestRedelivery(t *testing.T) {
	st := newStore(t)
	s := st.sink(t)
	batch := []record.Record{at(0, base), at(1, base.Add(time.Second)), at(2, base.Add(2*time.Second))}
	mustWrite(t, s, streamA, batch)
	before := st.keys(t, testPrefix)
	mustWrite(t, s, streamA, batch)
	if after := st.keys(t, testPrefix); !slices.Equal(before, after) {
		t.Errorf("keys after an identical redelivery %q, want %q", after, before)
	}
	mustWrite(t, s, streamA, batch[:2])
	mustWrite(t, s, streamA, batch[2:])
	var ids []string
	for _, r := range st.readStream(t, streamA) {
		ids = append(ids, r.ID)
	}
	if len(ids) != 6 {
		t.Errorf("ids %q: want the three records twice", ids)
	}
}

// TestMultipart writes an object larger than PartSize: minio-go uploads it
// in parts, with Content-MD5 on each, and it reads back whole.
func TestMultipart(t *testing.T) {
	st := newStore(t)
	s := st.sink(t, func(c *Config) { c.PartSize = MinPartSize })
	recs := bigBatch(t, 7000)
	mustWrite(t, s, streamA, recs)
	multipart := 0
	for _, r := range st.log() {
		if strings.HasPrefix(r, "POST ") && strings.Contains(r, "?uploads") {
			multipart++
		}
		if strings.HasPrefix(r, "PUT ") && !strings.HasSuffix(r, "md5=true") {
			t.Errorf("upload without Content-MD5: %s", r)
		}
	}
	if multipart != 1 {
		t.Errorf("%d multipart uploads, want 1 (the object; not its manifest):\n%s", multipart, strings.Join(st.log(), "\n"))
	}
	if got := st.readStream(t, streamA); len(got) != len(recs) {
		t.Errorf("read %d records, want %d", len(got), len(recs))
	}
}

// bigBatch returns n records in one hour whose fields hardly compress, so
// that the object is more than 5 MiB.
func bigBatch(t *testing.T, n int) []record.Record {
	t.Helper()
	noise := make([]byte, 750)
	recs := make([]record.Record, n)
	for i := range recs {
		if _, err := rand.Read(noise); err != nil {
			t.Fatal(err)
		}
		recs[i] = at(i, base.Add(time.Duration(i)*time.Millisecond))
		recs[i].Fields = json.RawMessage(`{"noise":"` + base64.StdEncoding.EncodeToString(noise) + `"}`)
	}
	return recs
}

// TestMultipartInvisibleUntilComplete: while a multipart upload has all
// its parts but is not completed, nothing is visible under its key; if
// completing fails, nothing ever is, and the Write fails retryably.
func TestMultipartInvisibleUntilComplete(t *testing.T) {
	st := newStore(t)
	s := st.sink(t, func(c *Config) { c.PartSize = MinPartSize })
	completes := 0
	st.beforeComplete = func(key string) string { // runs with st.mu held
		completes++
		if _, err := st.backend.HeadObject(testBucket, key); err == nil {
			t.Errorf("%s is visible before its multipart upload completed", key)
		}
		return "InternalError"
	}
	recs := bigBatch(t, 7000)
	_, err := s.Write(context.Background(), streamA, recs)
	if err == nil || errclass.IsPermanent(err) {
		t.Fatalf("Write with failing completes: %v, want a retryable error", err)
	}
	if keys := st.keys(t, testPrefix); completes == 0 || len(keys) != 0 {
		t.Fatalf("%d completes answered, keys after the failed Write: %q; want none", completes, keys)
	}
	st.mu.Lock()
	st.beforeComplete = nil
	st.mu.Unlock()
	mustWrite(t, s, streamA, recs)
	if got := st.readStream(t, streamA); len(got) != len(recs) {
		t.Errorf("read %d records, want %d", len(got), len(recs))
	}
}

// TestErrors: what each S3 answer makes of a Write, never with the secret.
func TestErrors(t *testing.T) {
	batch := []record.Record{at(0, base)}
	for _, tc := range []struct {
		name      string
		setup     func(*store) Config
		permanent bool
		want      string
	}{
		{"NoSuchBucket", func(st *store) Config { return st.config(func(c *Config) { c.Bucket = "missing" }) }, true, "the bucket does not exist"},
		{"InvalidAccessKeyId", func(st *store) Config { return st.config(func(c *Config) { c.AccessKeyID = "AKIAWRONG" }) }, true, "does not know the access key id"},
		{"SignatureDoesNotMatch", func(st *store) Config { st.fail(badSignature, 1); return st.config() }, true, "secret access key does not match"},
		{"AccessDenied", func(st *store) Config { st.fail(accessDenied, 1); return st.config() }, true, "access denied"},
		{"SlowDown", func(st *store) Config { st.fail(slowDown, requestAttempts); return st.config() }, false, "SlowDown, HTTP 503"},
		{"Unreachable", func(st *store) Config { st.srv.Close(); return st.config() }, false, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			s, err := New(tc.setup(st))
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Write(context.Background(), streamA, batch)
			switch {
			case err == nil:
				t.Fatal("Write succeeded")
			case errclass.IsPermanent(err) != tc.permanent:
				t.Errorf("permanent = %t, want %t: %v", errclass.IsPermanent(err), tc.permanent, err)
			case !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			noSecret(t, err)
			t.Logf("error: %v", err)
		})
	}
}

// TestStreamNames: names that would make another folder of the key.
func TestStreamNames(t *testing.T) {
	s := newStore(t).sink(t)
	for _, id := range []record.StreamID{{Source: "..", Stream: "x"}, {Source: "a/b", Stream: "x"}, {Source: "a", Stream: ""}, {Source: "a", Stream: "x\n"}} {
		if err := s.Recover(context.Background(), id, nil); !errclass.IsPermanent(err) {
			t.Errorf("Recover(%q): %v, want a permanent error", id, err)
		}
		if _, err := s.Write(context.Background(), id, nil); !errclass.IsPermanent(err) {
			t.Errorf("Write(%q): %v, want a permanent error", id, err)
		}
	}
}

func TestConfig(t *testing.T) {
	ok := Config{Name: "s3", Bucket: "b", AccessKeyID: "AK", SecretAccessKey: "sk-in-config"}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no bucket", func(c *Config) { c.Bucket = "" }, "bucket: required"},
		{"key without secret", func(c *Config) { c.SecretAccessKey = "" }, "go together"},
		{"secret without key", func(c *Config) { c.AccessKeyID = "" }, "go together"},
		{"http without insecure", func(c *Config) { c.APIEndpoint = "http://minio:9000" }, "plain http: set insecure"},
		{"https with insecure", func(c *Config) { c.APIEndpoint, c.Insecure = "https://minio:9000", true }, "insecure selects plain http"},
		{"endpoint with path", func(c *Config) { c.APIEndpoint = "https://minio:9000/bucket" }, "without path"},
		{"small parts", func(c *Config) { c.PartSize = 1 << 20 }, "part size 1048576"},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, "timeout must not be negative"},
		{"leading slash", func(c *Config) { c.Prefix = "/logs/" }, "do not start with a slash"},
		{"unknown format", func(c *Config) { c.Format = "csv" }, `format: "csv" is not a format (allowed: json, parquet)`},
		{"parquet without lake", func(c *Config) { c.Format = FormatParquet }, "region: required with format: parquet"},
		{"parquet without account", func(c *Config) { c.Format, c.Region = FormatParquet, "eu-west-1" }, "account_id: required with format: parquet"},
		{"account with json", func(c *Config) { c.AccountID = "123456789012" }, "account_id: only with format: parquet"},
		{"tiny objects", func(c *Config) { c.MaxObjectBytes = 1 }, "max_object_bytes: 1 is out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := New(cfg)
			if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want a permanent error saying %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "sk-in-config") {
				t.Errorf("error contains the secret: %v", err)
			}
		})
	}
	for endpoint, want := range map[string]string{"": DefaultEndpoint, "minio:9000": "minio:9000", "https://r2.example/": "r2.example"} {
		cfg := ok
		cfg.APIEndpoint = endpoint
		got, err := cfg.withDefaults()
		if err != nil || got.APIEndpoint != want || got.PartSize != DefaultPartSize || got.Timeout != DefaultTimeout {
			t.Errorf("endpoint %q: endpoint %q, part size %d, timeout %v, %v; want endpoint %q and the defaults", endpoint, got.APIEndpoint, got.PartSize, got.Timeout, err, want)
		}
	}
}

func noSecret(t *testing.T, err error) {
	t.Helper()
	for _, form := range []string{testSecret, url.QueryEscape(testSecret), url.PathEscape(testSecret)} {
		if err != nil && strings.Contains(err.Error(), form) {
			t.Errorf("error contains the secret: %q", err)
		}
	}
}
