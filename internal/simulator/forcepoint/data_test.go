package forcepoint

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/testutil"
)

// TestRecordsValid checks every record of every type: valid JSON, a time
// that parses with the vendor layout and matches Record.Time, unique
// content, and the id fields each type does or does not carry.
func TestRecordsValid(t *testing.T) {
	s := New(Config{Seed: 3, End: testEnd, DefaultCount: 2000})
	for _, typ := range AllTypes() {
		recs := s.Expected(typ, time.Time{})
		if len(recs) != 2000 {
			t.Fatalf("%s: %d records", typ, len(recs))
		}
		seen := map[string]bool{}
		var prev time.Time
		for i, r := range recs {
			m := decodeRecord(t, r.JSON)
			tm := recordTime(t, r.JSON)
			if !tm.Equal(r.Time) || tm.Before(prev) || tm.After(testEnd) || tm.Before(testEnd.Add(-DefaultSpan)) {
				t.Fatalf("%s %d: time %v (Record.Time %v, previous %v)", typ, i, tm, r.Time, prev)
			}
			prev = tm
			if seen[string(r.JSON)] {
				t.Fatalf("%s %d: duplicate record %s", typ, i, r.JSON)
			}
			seen[string(r.JSON)] = true
			checkIDFields(t, typ, m)
		}
	}
}

func decodeRecord(t *testing.T, b []byte) map[string]any {
	t.Helper()
	if !json.Valid(b) || !utf8.Valid(b) {
		t.Fatalf("invalid record: %s", b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

var txnRE = regexp.MustCompile(`^[A-Za-z0-9_-]{27} \[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d)\]$`)

func checkIDFields(t *testing.T, typ string, m map[string]any) {
	t.Helper()
	txn, hasTxn := m["transactionid"].(string)
	_, hasFile := m["fileid"]
	wantTxn := typ == "access" || isNewType(typ)
	wantFile := strings.HasPrefix(typ, "cloud")
	if hasTxn != wantTxn || hasFile != wantFile {
		t.Fatalf("%s: transactionid %v (want %v), fileid %v (want %v)", typ, hasTxn, wantTxn, hasFile, wantFile)
	}
	if hasTxn && !txnRE.MatchString(txn) {
		t.Fatalf("%s: transactionid %q", typ, txn)
	}
}

// TestTransactionIDBracketAlternates: both bracket layouts occur, and both
// carry the record's time.
func TestTransactionIDBracketAlternates(t *testing.T) {
	s := New(Config{Seed: 3, End: testEnd, DefaultCount: 4})
	recs := s.Expected("access", time.Time{})
	for i, r := range recs {
		m := decodeRecord(t, r.JSON)
		want := r.Time.Format("2006-01-02 15:04:05")
		if i%2 == 1 {
			want = r.Time.Format("02 Jan 2006 15:04:05")
		}
		if txn := m["transactionid"].(string); !strings.HasSuffix(txn, " ["+want+"]") {
			t.Errorf("record %d: transactionid %q, want bracket [%s]", i, txn, want)
		}
		wantHdr := "<114>1 " + r.Time.Format("2006-01-02T15:04:05") + ".000000Z api.bitglass.com NILVALUE NILVALUE access"
		if m["syslogheader"] != wantHdr {
			t.Errorf("record %d: syslogheader %q", i, m["syslogheader"])
		}
	}
}

// TestAwkwardContent: every type has records with non-ASCII text and with
// JSON escapes, and some records share a second.
func TestAwkwardContent(t *testing.T) {
	s := New(Config{Seed: 5, End: testEnd, DefaultCount: 300})
	for _, typ := range AllTypes() {
		var nonASCII, escaped, sameSecond bool
		recs := s.Expected(typ, time.Time{})
		for i, r := range recs {
			nonASCII = nonASCII || bytes.ContainsFunc(r.JSON, func(c rune) bool { return c > 127 })
			escaped = escaped || bytes.Contains(r.JSON, []byte(`\"`)) || bytes.Contains(r.JSON, []byte(`\\`))
			sameSecond = sameSecond || (i > 0 && r.Time.Equal(recs[i-1].Time))
		}
		if !nonASCII || !escaped || !sameSecond {
			t.Errorf("%s: non-ASCII %v, escapes %v, shared second %v", typ, nonASCII, escaped, sameSecond)
		}
	}
}

func TestKeysSorted(t *testing.T) {
	s := New(Config{Seed: 5, End: testEnd, DefaultCount: 1})
	for _, typ := range AllTypes() {
		dec := json.NewDecoder(bytes.NewReader(s.Expected(typ, time.Time{})[0].JSON))
		_, _ = dec.Token() // {
		prev := ""
		for dec.More() {
			k, _ := dec.Token()
			var v any
			_ = dec.Decode(&v)
			if key := k.(string); key <= prev {
				t.Errorf("%s: key %q after %q", typ, key, prev)
			} else {
				prev = key
			}
		}
	}
}

// TestDeterminism: two servers with the same seed serve identical bytes,
// tokens included; another seed serves different records.
func TestDeterminism(t *testing.T) {
	serve := func(seed int64) []byte {
		clk := testutil.NewClock(testEnd)
		cfg := baseConfig(clk)
		cfg.Seed = seed
		s := New(cfg)
		c := start(t, s)
		var all []byte
		for _, typ := range AllTypes() {
			q := params(typ, "startdate", startOf(s))
			for range 4 {
				resp, body := c.get(q)
				p := decodePage(t, resp, body)
				all = append(all, body...)
				q = params(typ, "nextpagetoken", p.NextPageToken)
			}
		}
		return all
	}
	a, b := serve(11), serve(11)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed served different bytes")
	}
	if bytes.Equal(a, serve(12)) {
		t.Fatal("different seeds served identical bytes")
	}
}

func TestDefaults(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 30, 15, 700_000_000, time.UTC)
	s := New(Config{Now: func() time.Time { return now }})
	if len(AllTypes()) != 10 {
		t.Fatalf("AllTypes = %v", AllTypes())
	}
	for _, typ := range AllTypes() {
		recs := s.Expected(typ, time.Time{})
		if len(recs) != DefaultCount {
			t.Fatalf("%s: %d records, want %d", typ, len(recs), DefaultCount)
		}
		if want := now.Truncate(time.Second); !recs[len(recs)-1].Time.Equal(want) {
			t.Errorf("%s: newest %v, want %v", typ, recs[len(recs)-1].Time, want)
		}
		if want := now.Truncate(time.Second).Add(-DefaultSpan); !recs[0].Time.Equal(want) {
			t.Errorf("%s: oldest %v, want %v", typ, recs[0].Time, want)
		}
	}
	if got := len(s.Expected("access", now.Add(-DefaultSpan/2))); got < 490 || got > 510 {
		t.Errorf("Expected up to the middle of the span: %d records, want about half", got)
	}
	if s.Expected("dns", time.Time{}) != nil {
		t.Error("Expected of an unknown type is not nil")
	}
}

// TestRecordGenerationAllocs keeps record generation on the byte-building
// path: encoding/json or maps per record would allocate.
func TestRecordGenerationAllocs(t *testing.T) {
	s := New(Config{Seed: 1, End: testEnd})
	for _, typ := range AllTypes() {
		st := s.streams[typ]
		// Every field, and the fewest: cut-off fields must not allocate either.
		for _, v := range []view{nil, st.viewFor(st.minCV)} {
			buf := make([]byte, 0, 8192)
			var c recCtx
			i := 0
			allocs := testing.AllocsPerRun(200, func() {
				buf = st.appendRecordWith(buf[:0], i%st.n, v, &c)
				i++
			})
			if allocs != 0 {
				t.Errorf("%s: %.1f allocations per record, want 0", typ, allocs)
			}
		}
	}
}

// BenchmarkServePage measures one full 1000-record page of swgwebdlp, the
// widest type, through the handler.
func BenchmarkServePage(b *testing.B) {
	s := New(Config{Seed: 1, End: testEnd, Token: testToken, Types: map[string]int{"swgwebdlp": 500_000}})
	q := params("swgwebdlp", "startdate", testEnd.Add(-time.Hour).Format(layoutStartDate))
	for b.Loop() {
		r := httptest.NewRequest("GET", logsPath+"?"+q.Encode(), nil)
		r.Header.Set("Authorization", bearer(testToken))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkRecord500k generates all 500,000 records of one type.
func BenchmarkRecord500k(b *testing.B) {
	s := New(Config{Seed: 1, End: testEnd, Types: map[string]int{"access": 500_000}})
	st := s.streams["access"]
	buf := make([]byte, 0, 8192)
	var c recCtx
	for b.Loop() {
		for i := 0; i < st.n; i++ {
			buf = st.appendRecordWith(buf[:0], i, nil, &c)
		}
	}
}
