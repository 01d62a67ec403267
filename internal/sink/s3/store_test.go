package s3

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// Credentials of the test store. The secret is what the suite checks every
// error for.
const (
	testBucket = "logs"
	testKeyID  = "AKIAGATELOGTEST"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYs3cr3t"
	testPrefix = "gatelog/"
)

// store is an in-process gofakes3 server behind a middleware that can
// answer as S3 does when it fails: gofakes3 itself checks no credentials
// and never fails.
type store struct {
	backend *s3mem.Backend
	srv     *httptest.Server
	fake    http.Handler

	mu       sync.Mutex
	failures []failure // answered, in turn, to the next uploads
	requests []string  // "METHOD path?query [md5]" of every request
	// beforeComplete runs before a CompleteMultipartUpload reaches
	// gofakes3; a non-nil error code answers it instead.
	beforeComplete func(key string) (code string)
	// beforeUpload runs before a PUT of a whole object reaches gofakes3.
	beforeUpload func(key string)
}

// failure is an S3 error answer.
type failure struct {
	status int
	code   string
}

var (
	slowDown     = failure{http.StatusServiceUnavailable, "SlowDown"}
	accessDenied = failure{http.StatusForbidden, "AccessDenied"}
	badSignature = failure{http.StatusForbidden, "SignatureDoesNotMatch"}
)

func newStore(t testing.TB) *store {
	t.Helper()
	st := &store{backend: s3mem.New()}
	st.fake = gofakes3.New(st.backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	if err := st.backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	st.srv = httptest.NewServer(st)
	t.Cleanup(st.srv.Close)
	return st
}

func (st *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st.mu.Lock()
	st.requests = append(st.requests, fmt.Sprintf("%s %s md5=%t", r.Method, r.URL.RequestURI(), r.Header.Get("Content-Md5") != ""))
	f, ok := st.answer(r)
	st.mu.Unlock()
	if ok {
		writeError(w, f)
		return
	}
	st.fake.ServeHTTP(w, r)
}

// answer picks the failure r gets, if any. Called with mu held.
func (st *store) answer(r *http.Request) (failure, bool) {
	if !strings.Contains(r.Header.Get("Authorization"), "Credential="+testKeyID+"/") {
		return failure{http.StatusForbidden, "InvalidAccessKeyId"}, true
	}
	if r.Method == http.MethodPost && r.URL.Query().Has("uploadId") && st.beforeComplete != nil {
		if code := st.beforeComplete(strings.TrimPrefix(r.URL.Path, "/"+testBucket+"/")); code != "" {
			return failure{http.StatusInternalServerError, code}, true
		}
	}
	if r.Method == http.MethodPut && !r.URL.Query().Has("uploadId") && st.beforeUpload != nil {
		st.beforeUpload(strings.TrimPrefix(r.URL.Path, "/"+testBucket+"/"))
	}
	if (r.Method == http.MethodPut || r.Method == http.MethodPost) && len(st.failures) > 0 {
		f := st.failures[0]
		st.failures = st.failures[1:]
		return f, true
	}
	return failure{}, false
}

func writeError(w http.ResponseWriter, f failure) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(f.status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected %s</Message><RequestId>42</RequestId></Error>`, f.code, f.code)
}

// fail makes the next n uploads (PUT or POST) answer f.
func (st *store) fail(f failure, n int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for range n {
		st.failures = append(st.failures, f)
	}
}

func (st *store) log() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]string(nil), st.requests...)
}

// config is a sink config for st; edit adjusts it.
func (st *store) config(edit ...func(*Config)) Config {
	cfg := Config{
		Name: "archive", Bucket: testBucket, Prefix: testPrefix, APIEndpoint: st.srv.URL, Insecure: true,
		UsePathStyle: true, Region: "us-east-1", AccessKeyID: testKeyID, SecretAccessKey: testSecret,
	}
	for _, e := range edit {
		e(&cfg)
	}
	return cfg
}

func (st *store) sink(t testing.TB, edit ...func(*Config)) *Sink {
	t.Helper()
	s, err := New(st.config(edit...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// client is an S3 client of the test's own, to read what the store holds.
func (st *store) client(t testing.TB) *minio.Client {
	t.Helper()
	cl, err := minio.New(strings.TrimPrefix(st.srv.URL, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(testKeyID, testSecret, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// keys lists the keys under prefix, in key order.
func (st *store) keys(t testing.TB, prefix string) []string {
	t.Helper()
	var keys []string
	for o := range st.client(t).ListObjects(context.Background(), testBucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

func (st *store) get(t testing.TB, key string) []byte {
	t.Helper()
	o, err := st.client(t).GetObject(context.Background(), testBucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return b
}

// objectLines returns the lines of the object at key, gunzipped.
func (st *store) objectLines(t testing.TB, key string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(st.get(t, key)))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	lines, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return lines
}

// readStream reads stream id as a consumer would: its objects in key order,
// each checked against its manifest. An object without a manifest is one
// a failed Write left; the reader reports it and reads it all the same.
func (st *store) readStream(t *testing.T, id record.StreamID) []record.Record {
	t.Helper()
	keys := st.keys(t, testPrefix+id.Source+"/"+id.Stream+"/")
	have := map[string]bool{}
	for _, k := range keys {
		have[k] = true
	}
	var out []record.Record
	for _, k := range keys {
		if !strings.HasSuffix(k, objectSuffix) {
			continue
		}
		recs, bad := sinktest.JSONLines(st.objectLines(t, k))
		for _, l := range bad {
			t.Errorf("%s: not an envelope: %s", k, l)
		}
		if have[k+manifestSuffix] {
			st.checkManifest(t, k, id, recs)
		} else {
			t.Logf("%s has no manifest: left by a failed Write", k)
		}
		out = append(out, recs...)
	}
	return out
}

// checkManifest compares the manifest of the object at key with the object.
func (st *store) checkManifest(t *testing.T, key string, id record.StreamID, recs []record.Record) {
	t.Helper()
	var m manifest
	if err := json.Unmarshal(st.get(t, key+manifestSuffix), &m); err != nil {
		t.Fatalf("%s%s: %v", key, manifestSuffix, err)
	}
	sum := sha256.Sum256(st.get(t, key))
	want := manifest{Count: len(recs), SHA256: hex.EncodeToString(sum[:]), Source: id.Source, Stream: id.Stream}
	for i, r := range recs {
		if i == 0 || r.Time.Before(want.FirstTime) {
			want.FirstTime = r.Time
		}
		if i == 0 || r.Time.After(want.LastTime) {
			want.LastTime = r.Time
		}
	}
	if m.Count != want.Count || m.SHA256 != want.SHA256 || m.Source != want.Source || m.Stream != want.Stream ||
		!m.FirstTime.Equal(want.FirstTime) || !m.LastTime.Equal(want.LastTime) {
		t.Errorf("%s: manifest %+v, want %+v", key, m, want)
	}
}
