package symantec

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
	"github.com/gatelog/gatelog/internal/state"
)

// Member marks: how the access-log streams know what they delivered.
//
// An archive is a ZIP of gzip'd ELFF members, each a vendor file named
// cloud_<instance>_<YYYYMMDDHHMMSS>.log.gz, and a session (token=none, then
// each trailer's token) serves every member's lines in the file's order: a
// member may be split over consecutive archives, each part repeating the
// member's directives, but its lines come in order. The stream hands lines
// out in the order it reads them and commits a prefix of them with every
// batch, so what it has done with a member is always a prefix of it: its
// first n payload lines (lines that are neither directives nor blank) were
// delivered as records or quarantined. A member mark is that n, with a
// CRC-32C of those n lines, kept in the stream's cursor and so committed
// atomically with the sinks' positions: one mark per member, not one seen
// mark per record in the state store (which cost about a fifth of the CPU
// of a catch-up).
//
// A walk numbers each member's payload lines as the session serves them and
// drops line k when k < n: it was done before. To number them it needs to
// know where the session stands in each member: a new session serves a
// member from its first line; the next archive of a session continues where
// the one before stopped; an archive fetched again with the same token (the
// resume after a crash inside it) starts where it started the first time.
// So the mark also keeps s, the member's lines the current session served
// before the current archive, with their CRC: a batch inside an archive
// carries the s of the archive's start, the archive's last batch the s of
// its end, and a session restart sets every s to 0.
//
// When the line that reaches n again ends a run of dropped lines, the CRC
// of the lines the session served up to it is compared with the mark's: a
// member whose lines changed between the reads (which the vendor's files do
// not do, as far as anyone knows) is reported in the quarantine: some of
// its lines may then be missing or doubled, and the report says so instead
// of nobody ever knowing.
//
// A backfill reads downloaded hours, whose archives hold whole members, so
// each of its archives numbers every member from its first line; it also
// drops line k when k < n of the live stream's mark of that member (the
// live stream served it from its first line too: a session starts on a
// whole hour). Marks are forgotten with the hours they cover: a mark whose
// newest record is two hours older than the hour of the stream's newest
// record is dropped, as seen marks were.
//
// Cursors written before member marks (no "v") resume through the seen
// marks of that version: see syncStream.upgrade.

// cursorVersion is the cursor format with member marks.
const cursorVersion = 2

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var newline = []byte{'\n'}

// lineSum chains line into a member's CRC. Lines hold no '\n', so the
// separator makes the CRC of a run of lines depend on where they break.
func lineSum(sum uint32, line []byte) uint32 {
	sum = crc32.Update(sum, castagnoli, line)
	return crc32.Update(sum, castagnoli, newline)
}

// memberMark is one member's mark as the cursor keeps it. A name that is
// not UTF-8 (a ZIP name may be any bytes) is kept as "mb", base64, since
// JSON would replace its bad bytes.
type memberMark struct {
	Name string `json:"m,omitempty"`
	// N: the member's first N payload lines are done; Sum is their CRC-32C.
	N   int64  `json:"n"`
	Sum uint32 `json:"c"`
	// Served is [s, CRC of those s lines]: the member's payload lines the
	// current session served before the current archive. Absent, it is
	// [N, Sum], as it is for every member outside a replay.
	Served *[2]int64 `json:"s,omitempty"`
	// Hour is the Unix hour of the member's newest delivered record.
	Hour int64 `json:"h,omitempty"`
}

// plainMark is memberMark without its JSON methods.
type plainMark memberMark

func (m memberMark) MarshalJSON() ([]byte, error) { return m.appendJSON(nil), nil }

// appendJSON writes the mark as MarshalJSON does, by hand: a batch's cursor
// holds a mark for every member of the last hours.
func (m memberMark) appendJSON(b []byte) []byte {
	if utf8.ValidString(m.Name) {
		b = append(b, `{"m":`...)
		b = record.AppendJSONString(b, m.Name)
	} else {
		b = append(b, `{"mb":"`...)
		b = base64.StdEncoding.AppendEncode(b, []byte(m.Name))
		b = append(b, '"')
	}
	b = append(b, `,"n":`...)
	b = strconv.AppendInt(b, m.N, 10)
	b = append(b, `,"c":`...)
	b = strconv.AppendUint(b, uint64(m.Sum), 10)
	if m.Served != nil {
		b = append(b, `,"s":[`...)
		b = strconv.AppendInt(b, m.Served[0], 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, m.Served[1], 10)
		b = append(b, ']')
	}
	if m.Hour != 0 {
		b = append(b, `,"h":`...)
		b = strconv.AppendInt(b, m.Hour, 10)
	}
	return append(b, '}')
}

// memberMarks is the cursor's list of marks, written by hand.
type memberMarks []memberMark

func (ms memberMarks) MarshalJSON() ([]byte, error) {
	if ms == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 80*len(ms)+2)
	b = append(b, '[')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = m.appendJSON(b)
	}
	return append(b, ']'), nil
}

func (m *memberMark) UnmarshalJSON(b []byte) error {
	var v struct {
		plainMark
		Bytes []byte `json:"mb,omitempty"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*m = memberMark(v.plainMark)
	if v.Bytes != nil {
		m.Name = string(v.Bytes)
	}
	return nil
}

func (m memberMark) served() (int64, uint32) {
	if m.Served == nil {
		return m.N, m.Sum
	}
	return m.Served[0], uint32(m.Served[1])
}

// restartSession sets where a new session stands in every member: at its
// first line.
func restartSession(marks memberMarks) memberMarks {
	out := make(memberMarks, len(marks))
	for i, m := range marks {
		m.Served = &[2]int64{0, 0}
		out[i] = m
	}
	return out
}

// memberLines is one member's marks during a walk.
type memberLines struct {
	name     string
	n        int64
	sum      uint32
	s        int64 // served before this archive
	ssum     uint32
	rs       int64 // served so far, this archive included
	rsum     uint32
	hour     int64
	also     []memberMark // the member's marks in the streams of alsoSeen
	reported bool         // a changed re-read was reported
}

// delivered records that the member's current line became a record of
// time t.
func (e *memberLines) delivered(t time.Time) {
	e.hour = max(e.hour, unixHour(t))
}

// walkMarks are the member marks of one walk.
type walkMarks struct {
	list  []*memberLines // in the cursor's order, then as first read
	index map[string]*memberLines
	also  []map[string]memberMark
	// whole: each archive holds whole members (downloaded hours), so
	// every archive serves each member from its first line.
	whole bool
	// changed is told once per member whose re-read differs from what was
	// done before (lines is the mark's n).
	changed func(member string, lines int64) error
	err     error // the first error of changed: it stops the walk
}

func newWalkMarks(start []memberMark, whole bool, also [][]memberMark) *walkMarks {
	w := &walkMarks{index: make(map[string]*memberLines, len(start)), whole: whole}
	for _, m := range start {
		if _, dup := w.index[m.Name]; dup || m.N < 0 {
			continue
		}
		s, ssum := m.served()
		if whole {
			s, ssum = 0, 0
		}
		if s < 0 || s > m.N { // not written by gatelog: trust only n
			s, ssum = m.N, m.Sum
		}
		e := &memberLines{name: m.Name, n: m.N, sum: m.Sum, s: s, ssum: ssum, rs: s, rsum: ssum, hour: m.Hour}
		w.list = append(w.list, e)
		w.index[m.Name] = e
	}
	for _, marks := range also {
		idx := make(map[string]memberMark, len(marks))
		for _, m := range marks {
			idx[m.Name] = m
		}
		w.also = append(w.also, idx)
	}
	return w
}

// member returns the marks of the named member, new ones if it has none.
func (w *walkMarks) member(name string) *memberLines {
	e := w.index[name]
	if e == nil {
		e = &memberLines{name: name}
		w.list = append(w.list, e)
		w.index[name] = e
	}
	if e.also == nil {
		for _, idx := range w.also {
			if m, ok := idx[name]; ok {
				e.also = append(e.also, m)
			}
		}
	}
	return e
}

// done numbers the member's next payload line and reports whether it was
// done before (drop it). Otherwise the line is counted done now: the caller
// delivers or quarantines it in the batch being built.
func (w *walkMarks) done(e *memberLines, l archive.Line) bool {
	k := e.rs
	e.rs++
	e.rsum = lineSum(e.rsum, l.Bytes)
	if k < e.n {
		if k+1 == e.n {
			w.check(e, e.sum, e.n)
		}
		return true
	}
	for _, a := range e.also {
		if k < a.N {
			if k+1 == a.N {
				w.check(e, a.Sum, a.N)
			}
			e.n, e.sum, e.hour = k+1, e.rsum, max(e.hour, a.Hour)
			return true
		}
	}
	e.n, e.sum = k+1, e.rsum
	return false
}

// check compares the CRC of the lines served up to the end of a mark with
// the mark's.
func (w *walkMarks) check(e *memberLines, want uint32, n int64) {
	if e.rsum == want || e.reported || w.changed == nil {
		return
	}
	e.reported = true
	if err := w.changed(e.name, n); err != nil && w.err == nil {
		w.err = err
	}
}

// snapshot returns the marks as a batch's cursor keeps them. Inside an
// archive (final false) each member's served count is the archive's start,
// where a re-fetch of the archive starts again; at its end, where the next
// archive continues. The last batch also forgets the marks of members
// whose newest record is older than cutoff (a Unix hour); a member that
// gave no record yet is dated lastHour.
func (w *walkMarks) snapshot(final bool, lastHour, cutoff int64) memberMarks {
	out := make(memberMarks, 0, len(w.list))
	kept := w.list[:0]
	for _, e := range w.list {
		if final {
			if e.hour == 0 {
				e.hour = lastHour
			}
			if e.hour < cutoff {
				delete(w.index, e.name)
				continue
			}
		}
		kept = append(kept, e)
		if e.n == 0 {
			continue
		}
		m := memberMark{Name: e.name, N: e.n, Sum: e.sum, Hour: e.hour}
		s, ssum := e.s, e.ssum
		if final {
			s, ssum = e.rs, e.rsum
		}
		if !w.whole && (s != e.n || ssum != e.sum) {
			m.Served = &[2]int64{s, int64(ssum)}
		}
		out = append(out, m)
	}
	clear(w.list[len(kept):])
	w.list = kept
	return out
}

// unixHour is the Unix hour of t (floored).
func unixHour(t time.Time) int64 {
	sec := t.Unix()
	if sec < 0 {
		return (sec - 3599) / 3600
	}
	return sec / 3600
}

// cutoffHour is the Unix hour before which marks are forgotten, given the
// stream's newest record time; math.MinInt64 (keep all) before any.
func cutoffHour(last time.Time) int64 {
	if last.IsZero() {
		return math.MinInt64
	}
	return unixHour(pruneBefore(last))
}

// checkpointReader reads another stream's checkpoint: a store does, a bare
// SeenMarks may not.
type checkpointReader interface {
	Checkpoint(id record.StreamID) (state.Checkpoint, bool, error)
}

// otherMarks reads the member marks of another access-log stream (alsoSeen)
// from its committed cursor, and whether per-record seen marks of an older
// version may still be stored for it (legacy): when the store cannot show
// the cursor, or the cursor predates member marks, or it still prunes them.
func otherMarks(seen state.SeenMarks, id record.StreamID) (marks []memberMark, legacy bool, err error) {
	r, ok := seen.(checkpointReader)
	if !ok {
		return nil, true, nil
	}
	cp, ok, err := r.Checkpoint(id)
	if err != nil {
		return nil, false, fmt.Errorf("read the checkpoint of %s: %w", id, err)
	}
	if !ok || len(cp.Cursor) == 0 {
		return nil, false, nil // it never delivered anything
	}
	var cur syncCursor
	if err := json.Unmarshal(cp.Cursor, &cur); err != nil {
		return nil, true, nil // not ours to judge: rely on seen marks
	}
	return cur.Members, cur.V < cursorVersion || cur.Legacy != 0, nil
}
