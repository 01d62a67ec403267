package normalize_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/record"
)

// streamRecords is the test records of one stream file,
// testdata/records/<vendor>-<stream>.jsonl (record envelope lines as the
// file sink writes them, taken from a demo run or written from the
// simulators' field lists).
type streamRecords struct {
	name string // <vendor>-<stream>
	recs []record.Record
}

func loadRecords(t testing.TB) []streamRecords {
	t.Helper()
	files, err := filepath.Glob("testdata/records/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test records: %v", err)
	}
	var out []streamRecords
	for _, f := range files {
		out = append(out, streamRecords{
			name: strings.TrimSuffix(filepath.Base(f), ".jsonl"),
			recs: readRecords(t, f),
		})
	}
	return out
}

func readRecords(t testing.TB, path string) []record.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []record.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var env struct {
			Time                       time.Time
			Vendor, Source, Stream, ID string
			Fields                     json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		recs = append(recs, record.Record{Time: env.Time, Vendor: env.Vendor, Source: env.Source,
			Stream: env.Stream, ID: env.ID, Fields: bytes.Clone(env.Fields)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// ocsfEvent renders rec as OCSF and decodes the event (numbers as
// json.Number).
func ocsfEvent(t testing.TB, rec *record.Record) ([]byte, map[string]any) {
	t.Helper()
	return render(t, normalize.OCSF, rec)
}

// ecsDoc renders rec as ECS and decodes the document.
func ecsDoc(t testing.TB, rec *record.Record) ([]byte, map[string]any) {
	t.Helper()
	return render(t, normalize.ECS, rec)
}

func render(t testing.TB, schema string, rec *record.Record) ([]byte, map[string]any) {
	t.Helper()
	out, err := normalize.Append(schema, rec, nil)
	if err != nil {
		t.Fatalf("%s/%s %s: %v", rec.Vendor, rec.Stream, rec.ID, err)
	}
	return out, decodeObject(t, out)
}

func decodeObject(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// path walks nested objects: path(ev, "metadata", "uid").
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
