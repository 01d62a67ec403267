package symantec

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
)

// FuzzResumeMemberMarks: whatever a committed cursor holds (it is read back
// from the state store, which a user may edit or a bug may damage), Resume
// either refuses it or resumes; the member marks it carries then number
// any lines without panicking, never serve more of a member than they
// count done, and come back the same through the cursor's JSON. lines
// holds "member<TAB>line" pairs, one per line.
func FuzzResumeMemberMarks(f *testing.F) {
	f.Add([]byte(`{"token":"t","hour":"2026-12-06T10:00:00Z","last_time":"2026-12-06T10:30:00Z","replay":true}`), []byte("a\tx\na\ty\n"))
	f.Add([]byte(`{"token":"t","v":2,"members":[{"m":"a","n":3,"c":7,"s":[1,5],"h":492000},{"m":"b","n":2,"c":1}]}`), []byte("a\tx\nb\ty\nb\tz\na\tw\nc\tv\n"))
	f.Add([]byte(`{"v":2,"members":[{"m":"a","n":-4,"c":1,"s":[9,5]},{"m":"a","n":2,"s":[-1,0]}]}`), []byte("a\t#Fields: x\na\tq\n"))
	f.Add([]byte(`{"v":2,"legacy":492000,"pruned":491999,"members":null}`), []byte(""))
	f.Add([]byte(`not json`), []byte("a\tb"))
	c, err := NewClient(Config{Name: "wss", BaseURL: "http://127.0.0.1:1"}, http.DefaultClient)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cursor, lines []byte) {
		for _, whole := range []bool{false, true} {
			s := newSyncStream(c, record.StreamID{Source: "wss", Stream: StreamAccessLog}, nil)
			s.wholeMembers = whole
			if s.Resume(t.Context(), cursor) != nil {
				return
			}
			w := newWalkMarks(s.cur.Members, whole, [][]memberMark{s.cur.Members})
			for _, l := range bytes.Split(lines, []byte("\n")) {
				name, text, _ := bytes.Cut(l, []byte("\t"))
				e := w.member(string(name))
				w.done(e, archive.Line{Member: string(name), Bytes: text})
				if e.rs > e.n || e.n < 0 {
					t.Fatalf("member %q: served %d, done %d", name, e.rs, e.n)
				}
			}
			for _, final := range []bool{false, true} {
				marks := w.snapshot(final, 0, cutoffHour(s.cur.LastTime))
				raw, err := json.Marshal(marks)
				if err != nil {
					t.Fatal(err)
				}
				var back []memberMark
				if err := json.Unmarshal(raw, &back); err != nil {
					t.Fatal(err)
				}
				again := newWalkMarks(back, whole, nil)
				for _, m := range marks {
					if e := again.member(m.Name); e.n != m.N || e.sum != m.Sum {
						t.Fatalf("member %q: %d lines done, %d after the round trip", m.Name, m.N, e.n)
					}
				}
			}
		}
	})
}
