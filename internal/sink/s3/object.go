package s3

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/record"
)

// Key layouts: the hour folder and the time of an object's first record,
// fixed width so that keys sort by time.
const (
	hourLayout  = "2006/01/02/15"
	firstLayout = "20060102T150405.000000000Z"
)

const (
	objectSuffix   = ".jsonl.gz"
	manifestSuffix = ".manifest.json"
)

// object is one (stream, hour) of a batch, ready to upload.
type object struct {
	key      string
	body     []byte // gzip'd JSON Lines; points into the encoder's buffer
	manifest []byte
}

// manifest describes an object, so that a reader can check it without
// trusting the store: written after the object, it also says the object
// is complete.
type manifest struct {
	Count     int       `json:"count"`
	FirstTime time.Time `json:"first_time"` // the earliest record time
	LastTime  time.Time `json:"last_time"`  // the latest record time
	SHA256    string    `json:"sha256"`     // of the object's (gzip'd) bytes
	Source    string    `json:"source"`
	Stream    string    `json:"stream"`
}

// group is the records of one UTC hour in a batch: those between first and
// last (inclusive) whose hour is hour.
type group struct {
	hour        int64 // hours since the Unix epoch
	first, last int
}

// groupByHour returns each record's hour and the batch's hours in order of
// first appearance. A batch going back and forth across an hour still
// makes one object per hour, each in batch order.
func groupByHour(recs []record.Record) ([]int64, []group) {
	hours := make([]int64, len(recs))
	var groups []group
	index := map[int64]int{}
	for i := range recs {
		h := hourOf(recs[i].Time)
		hours[i] = h
		if g, ok := index[h]; ok {
			groups[g].last = i
			continue
		}
		index[h] = len(groups)
		groups = append(groups, group{hour: h, first: i, last: i})
	}
	return hours, groups
}

func hourOf(t time.Time) int64 {
	s := t.Unix()
	h := s / 3600
	if s%3600 < 0 {
		h-- // floor, for times before 1970
	}
	return h
}

// encoder builds objects. It is pooled: a gzip writer holds about a
// megabyte of state, which every batch would otherwise allocate.
type encoder struct {
	raw []byte
	gz  bytes.Buffer
	zw  *gzip.Writer
}

var encoders = sync.Pool{New: func() any { return &encoder{zw: gzip.NewWriter(nil)} }}

// build encodes group g of recs as an object of stream id under prefix.
// The key is deterministic: a redelivered identical batch overwrites its
// objects instead of adding copies. body stays valid until the next build.
func (e *encoder) build(prefix string, id record.StreamID, recs []record.Record, hours []int64, g group) object {
	m := manifest{Source: id.Source, Stream: id.Stream}
	e.raw = e.raw[:0]
	for i := g.first; i <= g.last; i++ {
		r := &recs[i]
		if hours[i] != g.hour {
			continue
		}
		e.raw = append(r.AppendJSON(e.raw), '\n')
		if m.Count == 0 || r.Time.Before(m.FirstTime) {
			m.FirstTime = r.Time
		}
		if m.Count == 0 || r.Time.After(m.LastTime) {
			m.LastTime = r.Time
		}
		m.Count++
	}
	content := sha256.Sum256(e.raw)
	e.gz.Reset()
	e.zw.Reset(&e.gz)
	_, _ = e.zw.Write(e.raw) // a bytes.Buffer does not fail
	_ = e.zw.Close()
	sum := sha256.Sum256(e.gz.Bytes())
	m.SHA256 = hex.EncodeToString(sum[:])
	m.FirstTime, m.LastTime = m.FirstTime.UTC(), m.LastTime.UTC()
	mb, _ := json.Marshal(m) // plain strings, ints and times: cannot fail
	return object{key: objectKey(prefix, id, g.hour, recs[g.first].Time, content), body: e.gz.Bytes(), manifest: append(mb, '\n')}
}

// objectKey is <prefix><source>/<stream>/YYYY/MM/DD/HH/<first>-<hash>.jsonl.gz.
// <first> is the time of the object's first record; <hash> is the start of
// the SHA-256 of its uncompressed lines. A content hash rather than a hash
// of the first id: an object is only ever replaced by one with the very
// same records, never by a shorter one from a redelivery cut differently.
func objectKey(prefix string, id record.StreamID, hour int64, first time.Time, content [sha256.Size]byte) string {
	b := make([]byte, 0, len(prefix)+len(id.Source)+len(id.Stream)+64)
	b = append(b, prefix...)
	b = append(b, id.Source...)
	b = append(b, '/')
	b = append(b, id.Stream...)
	b = append(b, '/')
	b = time.Unix(hour*3600, 0).UTC().AppendFormat(b, hourLayout)
	b = append(b, '/')
	b = first.UTC().AppendFormat(b, firstLayout)
	b = append(b, '-')
	b = hex.AppendEncode(b, content[:8])
	return string(append(b, objectSuffix...))
}
