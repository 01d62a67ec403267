package s3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/minio/minio-go/v7"
	"github.com/parquet-go/parquet-go"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/normalize/schemacheck"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

const (
	testAccount = "123456789012"
	testRegion  = "us-east-1"
)

// lakeConfig is a parquet sink config for st: Security Lake layout under
// testPrefix, HTTP Activity renamed to my-http.
func (st *store) lakeConfig(edit ...func(*Config)) Config {
	return st.config(append([]func(*Config){func(c *Config) {
		c.Format, c.AccountID, c.Region = FormatParquet, testAccount, testRegion
		c.SourceNames = []SourceName{{Class: 4002, Name: "my-http"}}
	}}, edit...)...)
}

// ocsfRecords reads the normalize package's sample records of every
// stream and gives each its OCSF event, as the pipeline does for a sink
// with schema ocsf.
func ocsfRecords(t testing.TB) []record.Record {
	t.Helper()
	files, err := filepath.Glob("../../normalize/testdata/records/*.jsonl")
	if err != nil || len(files) < 10 {
		t.Fatalf("sample records: %q, %v", files, err)
	}
	var recs []record.Record
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			r, _, err := sinktest.DecodeEnvelope(sc.Bytes())
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if r.Event, err = normalize.Append(normalize.OCSF, &r, nil); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			r.Schema = normalize.OCSF
			recs = append(recs, r)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

// manyOCSF returns n records made from the samples, each with its own
// metadata.uid and time, step apart from start.
func manyOCSF(t testing.TB, n int, start time.Time, step time.Duration) []record.Record {
	t.Helper()
	samples := ocsfRecords(t)
	out := make([]record.Record, n)
	for i := range out {
		r := samples[i%len(samples)]
		r.ID = fmt.Sprintf("%s #%d", r.ID, i)
		r.Time = start.Add(time.Duration(i) * step)
		var ev map[string]json.RawMessage
		if err := json.Unmarshal(r.Event, &ev); err != nil {
			t.Fatal(err)
		}
		var md map[string]json.RawMessage
		if err := json.Unmarshal(ev["metadata"], &md); err != nil {
			t.Fatal(err)
		}
		md["uid"], _ = json.Marshal(r.ID)
		ev["metadata"], _ = json.Marshal(md)
		ev["time"] = json.RawMessage(strconv.FormatInt(r.Time.UnixMilli(), 10))
		r.Event, _ = json.Marshal(ev)
		out[i] = r
	}
	return out
}

// lakeKey matches the key of a Parquet object: source name, event day.
var lakeKey = regexp.MustCompile(`^` + testPrefix + `ext/([A-Za-z0-9_:.-]+)/region=` + testRegion + `/accountId=` + testAccount +
	`/eventDay=([0-9]{8})/[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[0-9a-f]{16}\.parquet$`)

// lakeObject is a Parquet object read back.
type lakeObject struct {
	key, source, day string
	size             int64
	file             *parquet.File
	rows             []map[string]any // as parquet-go assembles them, nulls removed
}

// readLake reads every object under the prefix, checking its key.
func (st *store) readLake(t *testing.T) []lakeObject {
	t.Helper()
	var out []lakeObject
	for _, k := range st.keys(t, testPrefix) {
		m := lakeKey.FindStringSubmatch(k)
		if m == nil {
			t.Errorf("%s: not a Security Lake key", k)
			continue
		}
		body := st.get(t, k)
		o := lakeObject{key: k, source: m[1], day: m[2], size: int64(len(body))}
		o.file, o.rows = readParquet(t, k, body)
		out = append(out, o)
	}
	return out
}

// readParquet opens a Parquet file and assembles its rows with
// parquet-go, independently of the sink's own shredding.
func readParquet(t *testing.T, name string, body []byte) (*parquet.File, []map[string]any) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	var rows []map[string]any
	for {
		m := map[string]any{}
		if err := r.Read(&m); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("%s: row %d: %v", name, len(rows), err)
			}
			break
		}
		rows = append(rows, dropNulls(m).(map[string]any))
	}
	if int64(len(rows)) != f.NumRows() {
		t.Errorf("%s: read %d rows, the footer says %d", name, len(rows), f.NumRows())
	}
	return f, rows
}

// dropNulls removes the members a row does not set (parquet-go gives
// every column of the schema).
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if x == nil {
				delete(v, k)
				continue
			}
			v[k] = dropNulls(x)
		}
	case []any:
		for i := range v {
			v[i] = dropNulls(v[i])
		}
	}
	return v
}

// canonical is JSON re-encoded with sorted keys, numbers as float64 and
// null members left out, so that a row and the event it came from
// compare whatever their member order and number formatting.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	c, err := json.Marshal(dropNulls(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}

// TestSecurityLake writes OCSF events of every stream's sample records
// as Parquet: objects only under the Security Lake keys, one class per
// source location (HTTP Activity under its configured name), each object
// invisible until its upload is complete; every object reads back with
// parquet-go, every row is one of the events (same members and values)
// and passes schemacheck, and there are as many rows as events.
func TestSecurityLake(t *testing.T) {
	st := newStore(t)
	s := st.sink(t, func(c *Config) {
		*c = st.lakeConfig()
		c.MaxObjectRecords = 3 // several objects per location
	})
	recs := ocsfRecords(t)
	events := map[string]int{} // canonical JSON: how many are to be found
	classes := map[int]bool{}
	for _, r := range recs {
		if err := schemacheck.OCSF(r.Event); err != nil {
			t.Fatalf("sample %s is not valid OCSF: %v", r.ID, err)
		}
		events[canonical(t, r.Event)]++
		class, _ := eventClass(r.Event)
		classes[class] = true
	}
	if len(classes) < 5 || !classes[0] || !classes[4002] {
		t.Fatalf("classes %v: want the samples to cover several, Base Event and HTTP Activity included", classes)
	}
	uploads := 0
	st.beforeUpload = func(key string) { // runs with st.mu held
		uploads++
		if _, err := st.backend.HeadObject(testBucket, key); err == nil {
			t.Errorf("%s is visible before its upload", key)
		}
		list, err := st.backend.ListBucket(testBucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Contents { // what is visible is complete
			obj, err := st.backend.GetObject(testBucket, o.Key, nil)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, _ = b.ReadFrom(obj.Contents)
			obj.Contents.Close()
			if _, err := parquet.OpenFile(bytes.NewReader(b.Bytes()), int64(b.Len())); err != nil {
				t.Errorf("%s is visible but not a complete Parquet file: %v", o.Key, err)
			}
		}
	}
	mustWrite(t, s, streamA, recs)

	objects := st.readLake(t)
	if uploads != len(objects) {
		t.Errorf("%d uploads, %d objects: want one PUT per object and nothing else (no manifests)", uploads, len(objects))
	}
	sourceClass := map[string]int64{}
	rows := 0
	for _, o := range objects {
		info, err := st.client(t).StatObject(context.Background(), testBucket, o.key, minio.StatObjectOptions{})
		if err != nil || info.ContentType != parquetType {
			t.Errorf("%s: content type %q, %v", o.key, info.ContentType, err)
		}
		if len(o.rows) == 0 || len(o.rows) > 3 {
			t.Errorf("%s: %d rows, want 1 to max_object_records (3)", o.key, len(o.rows))
		}
		var last int64
		for i, row := range o.rows {
			rows++
			class := row["class_uid"].(int64)
			if prev, ok := sourceClass[o.source]; ok && prev != class {
				t.Errorf("%s: class %d in the location of class %v", o.key, class, prev)
			}
			sourceClass[o.source] = class
			if want := DefaultSourceName(int(class)); class != 4002 && o.source != want || class == 4002 && o.source != "my-http" {
				t.Errorf("%s: class %d under source %s", o.key, class, o.source)
			}
			ms := row["time"].(int64)
			if day := time.UnixMilli(ms).UTC().Format("20060102"); day != o.day {
				t.Errorf("%s: row %d of %s in eventDay=%s", o.key, i, day, o.day)
			}
			if ms < last {
				t.Errorf("%s: rows not sorted by time", o.key)
			}
			last = ms
			js, err := json.Marshal(row)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemacheck.OCSF(js); err != nil {
				t.Errorf("%s: row %d is not valid OCSF: %v\n%s", o.key, i, err, js)
			}
			if c := canonical(t, js); events[c] == 0 {
				t.Errorf("%s: row %d is none of the events written (or one too many):\n%s", o.key, i, js)
			} else {
				events[c]--
			}
		}
	}
	if rows != len(recs) {
		t.Errorf("%d rows, want %d (the events written)", rows, len(recs))
	}
	if len(sourceClass) != len(classes) {
		t.Errorf("%d source locations %v, want one per class (%d)", len(sourceClass), slices.Sorted(maps.Keys(sourceClass)), len(classes))
	}
	t.Logf("%d events of %d classes in %d objects", len(recs), len(classes), len(objects))
}

// TestParquetColumns checks the column types Athena sees for HTTP
// Activity events.
func TestParquetColumns(t *testing.T) {
	st := newStore(t)
	var recs []record.Record
	for _, r := range ocsfRecords(t) {
		if c, _ := eventClass(r.Event); c == 4002 {
			recs = append(recs, r)
		}
	}
	mustWrite(t, st.sink(t, func(c *Config) { *c = st.lakeConfig() }), streamA, recs)
	objects := st.readLake(t)
	if len(objects) == 0 {
		t.Fatal("no object")
	}
	schema := objects[0].file.Schema()
	for path, want := range map[string]string{
		"class_uid":                     "int64",
		"time":                          "int64",
		"metadata.uid":                  "binary (STRING)",
		"http_request.url.hostname":     "binary (STRING)",
		"unmapped":                      "binary (JSON)",
		"src_endpoint.location.country": "binary (STRING)",
	} {
		col, ok := schema.Lookup(strings.Split(path, ".")...)
		if !ok {
			t.Errorf("no column %s in\n%s", path, schema)
			continue
		}
		if got := fmt.Sprint(col.Node); !strings.Contains(got, "optional "+want) {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	if !strings.Contains(schema.String(), "(LIST)") {
		t.Errorf("no LIST column (actor.user.groups) in\n%s", schema)
	}
	t.Logf("%s", schema)
}

// TestLakeObjectBounds: max_object_records and max_object_bytes cut a
// location's events into several objects, none over the bounds, all
// events there once.
func TestLakeObjectBounds(t *testing.T) {
	start := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		edit func(*Config)
		n    int
	}{
		{"records", func(c *Config) { c.MaxObjectRecords = 7 }, 500},
		{"bytes", func(c *Config) { c.MaxObjectBytes = MinMaxObjectBytes }, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			recs := manyOCSF(t, tc.n, start, time.Minute) // over 2 or 3 days
			s := st.sink(t, func(c *Config) { *c = st.lakeConfig(tc.edit) })
			mustWrite(t, s, streamA, recs)
			seen := map[string]int{}
			perLocation := map[string]int{}
			for _, o := range st.readLake(t) {
				if len(o.rows) > s.cfg.MaxObjectRecords || o.size > s.cfg.MaxObjectBytes {
					t.Errorf("%s: %d rows, %d bytes: over the bounds", o.key, len(o.rows), o.size)
				}
				perLocation[o.source+"/"+o.day]++
				for _, row := range o.rows {
					seen[row["metadata"].(map[string]any)["uid"].(string)]++
				}
			}
			for _, r := range recs {
				if seen[r.ID] != 1 {
					t.Errorf("event %s stored %d times", r.ID, seen[r.ID])
				}
			}
			if len(seen) != len(recs) {
				t.Errorf("%d events stored, want %d", len(seen), len(recs))
			}
			split := 0
			for _, n := range perLocation {
				if n > 1 {
					split++
				}
			}
			if split == 0 {
				t.Errorf("objects per location %v: want the bounds to cut some", perLocation)
			}
		})
	}
}

// TestLakeSplitsLargeObjects: an object over max_object_bytes once
// encoded is stored as halves. (The lines bound makes that rare: here it
// is lifted.)
func TestLakeSplitsLargeObjects(t *testing.T) {
	st := newStore(t)
	s := st.sink(t, func(c *Config) { *c = st.lakeConfig(func(c *Config) { c.MaxObjectBytes = MinMaxObjectBytes }) })
	s.layout.maxBytes = 1 << 40 // all of a location's events make one object's lines
	recs := bigEvents(t, 300, 2000)
	mustWrite(t, s, streamA, recs)
	rows, objects := 0, st.readLake(t)
	for _, o := range objects {
		rows += len(o.rows)
		if o.size > MinMaxObjectBytes {
			t.Errorf("%s: %d bytes, over %d", o.key, o.size, MinMaxObjectBytes)
		}
	}
	if rows != len(recs) || len(objects) < 8 {
		t.Errorf("%d rows in %d objects, want %d rows in 8 or more", rows, len(objects), len(recs))
	}
}

// bigEvents returns n Base Events in one hour, each with size bytes of
// noise under unmapped that hardly compresses.
func bigEvents(t testing.TB, n, size int) []record.Record {
	t.Helper()
	noise := make([]byte, size*3/4)
	recs := make([]record.Record, n)
	for i := range recs {
		if _, err := rand.Read(noise); err != nil {
			t.Fatal(err)
		}
		r := at(i, base.Add(time.Duration(i)*time.Millisecond))
		r.Schema = normalize.OCSF
		r.Event = fmt.Appendf(nil, `{"class_uid":0,"category_uid":0,"activity_id":0,"type_uid":0,"severity_id":1,"time":%d,`+
			`"metadata":{"version":"1.8.0","uid":"%d","product":{"name":"test","vendor_name":"gatelog"}},"message":"event %d",`+
			`"unmapped":{"noise":"%s"}}`, r.Time.UnixMilli(), i, i, base64.StdEncoding.EncodeToString(noise))
		recs[i] = r
	}
	return recs
}

// TestLakeMultipartInvisibleUntilComplete: a Parquet object larger than
// part_size is a multipart upload, invisible until it completes; if
// completing fails nothing is visible and the Write fails retryably.
func TestLakeMultipartInvisibleUntilComplete(t *testing.T) {
	st := newStore(t)
	s := st.sink(t, func(c *Config) { *c = st.lakeConfig(func(c *Config) { c.PartSize = MinPartSize }) })
	recs := bigEvents(t, 7000, 1000)
	completes := 0
	st.beforeComplete = func(key string) string { // runs with st.mu held
		completes++
		if _, err := st.backend.HeadObject(testBucket, key); err == nil {
			t.Errorf("%s is visible before its multipart upload completed", key)
		}
		return "InternalError"
	}
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
	objects := st.readLake(t)
	if len(objects) != 1 || len(objects[0].rows) != len(recs) || objects[0].size <= MinPartSize {
		t.Fatalf("%d objects; want one of %d rows over %d bytes", len(objects), len(recs), MinPartSize)
	}
}

// TestLakeRejects: records that cannot be filed by class go to the
// quarantine, the others are stored; without a quarantine the batch
// fails permanently and stores nothing.
func TestLakeRejects(t *testing.T) {
	good := ocsfRecords(t)[:3]
	noEvent := at(100, base)
	noClass := at(101, base)
	noClass.Event = json.RawMessage(`{"activity_id":1,"time":1}`)
	badClass := at(102, base)
	badClass.Event = json.RawMessage(`{"class_uid":"4002"}`)
	notJSON := at(103, base)
	notJSON.Event = json.RawMessage(`{"class_uid":4002`)
	batch := append(slices.Clone(good), noEvent, noClass, badClass, notJSON)

	st := newStore(t)
	_, err := st.sink(t, func(c *Config) { *c = st.lakeConfig() }).Write(context.Background(), streamA, batch)
	if !errclass.IsPermanent(err) || !strings.Contains(err.Error(), "no OCSF event") || !strings.Contains(err.Error(), "quarantine") {
		t.Errorf("Write without a quarantine: %v, want a permanent error naming the reason", err)
	}
	if keys := st.keys(t, testPrefix); len(keys) != 0 {
		t.Errorf("stored %q", keys)
	}

	got := map[string]string{}
	s := st.sink(t, func(c *Config) {
		*c = st.lakeConfig()
		c.Quarantine = func(r record.Record, reason string) error { got[r.ID] = reason; return nil }
	})
	mustWrite(t, s, streamA, batch)
	want := map[string]string{
		noEvent.ID:  "no OCSF event: the sink's schema must be ocsf",
		noClass.ID:  "the OCSF event has no class_uid: Security Lake files events by class",
		badClass.ID: `the OCSF event's class_uid is not a class: "4002"`,
		notJSON.ID:  "the OCSF event is not valid JSON",
	}
	if !maps.Equal(got, want) {
		t.Errorf("quarantined %q, want %q", got, want)
	}
	rows := 0
	for _, o := range st.readLake(t) {
		rows += len(o.rows)
	}
	if rows != len(good) {
		t.Errorf("%d rows, want %d", rows, len(good))
	}
}

// TestLakeRedelivery: the same batch again overwrites its objects.
func TestLakeRedelivery(t *testing.T) {
	st := newStore(t)
	s := st.sink(t, func(c *Config) { *c = st.lakeConfig() })
	recs := ocsfRecords(t)
	mustWrite(t, s, streamA, recs)
	before := st.keys(t, testPrefix)
	mustWrite(t, s, streamA, recs)
	if after := st.keys(t, testPrefix); !slices.Equal(before, after) {
		t.Errorf("keys after an identical redelivery %q, want %q", after, before)
	}
}

// TestJSONObjectBounds: the bounds cut JSON objects too, in order.
func TestJSONObjectBounds(t *testing.T) {
	st := newStore(t)
	s := st.sink(t, func(c *Config) { c.MaxObjectRecords = 4 })
	recs := make([]record.Record, 10)
	for i := range recs {
		recs[i] = at(i, base.Add(time.Duration(i)*time.Second))
	}
	mustWrite(t, s, streamA, recs)
	if keys := st.keys(t, testPrefix); len(keys) != 2*3 {
		t.Errorf("keys %q, want 3 objects and their manifests", keys)
	}
	got := st.readStream(t, streamA)
	if len(got) != len(recs) {
		t.Fatalf("read %d records, want %d", len(got), len(recs))
	}
	for i := range got {
		if got[i].ID != recs[i].ID {
			t.Errorf("record %d is %q, want %q", i, got[i].ID, recs[i].ID)
		}
	}
}

// TestClassNames checks the class table and the attribute hints against
// schemacheck's copy of the OCSF 1.8.0 schema.
func TestClassNames(t *testing.T) {
	data, err := os.ReadFile("../../normalize/schemacheck/testdata/ocsf-1.8.0.json")
	if err != nil {
		t.Fatal(err)
	}
	type attr struct {
		Type       string `json:"type"`
		ObjectType string `json:"object_type"`
	}
	var schema struct {
		Types   map[string]struct{ Base string } `json:"types"`
		Classes map[int]struct {
			Name       string          `json:"name"`
			Attributes map[string]attr `json:"attributes"`
		} `json:"classes"`
		Objects map[string]struct {
			Attributes map[string]attr `json:"attributes"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	names := map[int]string{}
	floats, free := map[string]bool{}, map[string]bool{}
	hint := func(name string, a attr) {
		switch {
		case a.Type == "object_t" && len(schema.Objects[a.ObjectType].Attributes) == 0:
			free[name] = true
		case a.Type != "object_t" && schema.Types[a.Type].Base == "float_t":
			floats[name] = true
		case a.Type != "object_t" && schema.Types[a.Type].Base == "json_t":
			free[name] = true
		}
	}
	for uid, c := range schema.Classes {
		names[uid] = c.Name
		for n, a := range c.Attributes {
			hint(n, a)
		}
	}
	for _, o := range schema.Objects {
		for n, a := range o.Attributes {
			hint(n, a)
		}
	}
	if !maps.Equal(names, ocsfClasses) {
		t.Errorf("ocsfClasses differs from the schema's %d classes", len(names))
	}
	if !maps.Equal(floats, floatAttrs) || !maps.Equal(free, jsonAttrs) {
		t.Errorf("float_t %v, free-form %v: the tables differ", slices.Sorted(maps.Keys(floats)), slices.Sorted(maps.Keys(free)))
	}
	for uid, want := range map[int]string{4002: "gatelog-http-activity", 0: "gatelog-base-event", 6006: "gatelog-file-hosting", 99: "gatelog-class-99"} {
		if got := DefaultSourceName(uid); got != want {
			t.Errorf("DefaultSourceName(%d) = %q, want %q", uid, got, want)
		}
	}
}

// TestJSONTree checks the parser on the edges the samples lack.
func TestJSONTree(t *testing.T) {
	src := []byte(` {"a" : [1, -2.5e3, 9223372036854775808, 1e999, "x\"\u00e9\ud83d\ude00", true, false, null, {}, []], "b":{"c":{}}} `)
	var tr jsonTree
	root := tr.parse(src)
	if root.kind != jObject || string(src[root.start:root.end]) != strings.TrimSpace(string(src)) {
		t.Fatalf("root %+v", root)
	}
	a := tr.children(&root)[0]
	var kinds []jkind
	for _, e := range tr.children(&a) {
		kinds = append(kinds, e.kind)
	}
	want := []jkind{jInt, jDouble, jBigNum, jBigNum, jString, jBool, jBool, jNull, jObject, jArray}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	if s := tr.children(&a)[4].str; string(s) != "x\"é😀" {
		t.Errorf("string %q", s)
	}
	for _, lit := range []string{`"plain"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u20AC\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`,
		`"\ud83d\u0041"`, "\"\xff\xfe ok \\n\"", "\"\xe2\x82\"", `"é€😀"`} {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		tr := jsonTree{src: []byte(lit)}
		if got := tr.string(); string(got) != want {
			t.Errorf("string %s = %q, want %q as encoding/json decodes it", lit, got, want)
		}
	}
	for ev, want := range map[string]int{`{"x":[{"class_uid":1}],"class_uid":4002}`: 4002, `{"s":"class_uid\"","class_uid" : 0}`: 0} {
		if got, why := eventClass([]byte(ev)); got != want || why != "" {
			t.Errorf("eventClass(%s) = %d, %q; want %d", ev, got, why, want)
		}
	}
}

// TestParquetEdges: values Parquet cannot type (a kind that changes,
// numbers beyond int64, empty objects and arrays, nesting past maxDepth)
// are stored as JSON text, and every row still reads back as its event;
// past maxColumns, the objects and arrays at the top level are JSON text.
func TestParquetEdges(t *testing.T) {
	deep := strings.Repeat(`{"d":`, maxDepth+2) + "1" + strings.Repeat("}", maxDepth+2)
	var wide strings.Builder
	for i := range maxColumns + 1 {
		fmt.Fprintf(&wide, `"k%d":%d,`, i, i)
	}
	for _, tc := range []struct {
		name   string
		events []string
		types  map[string]string
	}{
		{"kinds", []string{
			`{"class_uid":0,"v":1,"big":123456789012345678901234567890,"e":{},"a":[],"n":null,"lat":5,"l":[1,2.5],"coordinates":[1,2]}`,
			`{"class_uid":0,"v":"one","big":1,"e":{"x":null},"a":[null],"lat":5.5,"l":[[1]],"deep":` + deep + `}`,
			`{"class_uid":0,"v":{"x":1},"s":"é\u00e9\"","m":{"k":[{"a":1},{"b":[true,false]}]}}`,
			`{"class_uid":0,"m":{"k":[]},"unmapped":{"z":1,"a":[{"b":"c"}]},"f":1e300,"x":-9223372036854775808}`,
		}, map[string]string{"v": "JSON", "big": "JSON", "e": "JSON", "a": "repeated group list", "lat": "double", "l": "JSON", "s": "STRING",
			"coordinates": "repeated group list", "deep": "group", "m": "group", "unmapped": "JSON", "f": "double", "x": "int64"}},
		{"wide", []string{
			`{"class_uid":0,"m":{"k":[1]},"wide":{` + strings.TrimSuffix(wide.String(), ",") + `}}`,
			`{"class_uid":0,"m":{"k":[2]},"s":"x"}`,
		}, map[string]string{"wide": "JSON", "m": "JSON", "s": "STRING", "class_uid": "int64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			s := st.sink(t, func(c *Config) { *c = st.lakeConfig() })
			recs := make([]record.Record, len(tc.events))
			want := map[string]int{}
			for i, ev := range tc.events {
				if !json.Valid([]byte(ev)) {
					t.Fatalf("event %d is not JSON: %.200s", i, ev)
				}
				recs[i] = at(i, base)
				recs[i].Event = json.RawMessage(ev)
				want[canonical(t, []byte(ev))]++
			}
			mustWrite(t, s, streamA, recs)
			objects := st.readLake(t)
			if len(objects) != 1 || len(objects[0].rows) != len(recs) {
				t.Fatalf("%d objects, want one of %d rows", len(objects), len(recs))
			}
			for i, row := range objects[0].rows {
				js, _ := json.Marshal(row)
				c := canonical(t, js)
				if want[c] == 0 {
					t.Errorf("row %d is none of the events:\n%.600s", i, js)
					continue
				}
				want[c]--
			}
			schema := objects[0].file.Schema()
			for path, typ := range tc.types {
				if n := fieldNode(schema, strings.Split(path, ".")...); !strings.Contains(fmt.Sprint(n), typ) {
					t.Errorf("%s: %v, want %s", path, n, typ)
				}
			}
			if n := len(schema.Columns()); n > 100 {
				t.Errorf("%d columns", n)
			}
			if tc.name != "kinds" {
				return
			}
			for path, typ := range map[string]string{"coordinates.list.element": "double", "a.list.element": "JSON",
				"m.k.list.element.b.list.element": "boolean", "deep.d.d.d": "group"} {
				if n := fieldNode(schema, strings.Split(path, ".")...); !strings.Contains(fmt.Sprint(n), typ) {
					t.Errorf("%s: %v, want %s", path, n, typ)
				}
			}
		})
	}
}

// fieldNode is the node at path in a schema (nil: none).
func fieldNode(n parquet.Node, path ...string) parquet.Node {
	for _, name := range path {
		var next parquet.Node
		for _, f := range n.Fields() {
			if f.Name() == name {
				next = f
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}
