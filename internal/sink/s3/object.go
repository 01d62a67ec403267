package s3

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
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
	gzipType       = "application/gzip"
)

// object is one object of a batch, ready to upload.
type object struct {
	key         string
	contentType string
	body        []byte // points into the encoder's buffers
	manifest    []byte // nil: none (parquet)
	n           int    // how many of the records offered it holds
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

// format is how a sink makes its objects: JSON Lines by stream and hour,
// or (lake set) Parquet in the Security Lake layout.
type format struct {
	prefix     string
	lake       *lake
	maxRecords int
	maxBytes   int64
	createdBy  string // Parquet's created_by
}

func newFormat(c Config) format {
	f := format{prefix: c.Prefix, maxRecords: c.MaxObjectRecords, maxBytes: c.MaxObjectBytes,
		createdBy: "gatelog version " + c.Version}
	if c.Version == "" {
		f.createdBy = "gatelog"
	}
	if c.Format == FormatParquet {
		f.lake = newLake(c)
	}
	return f
}

// groupKey is where a record's object goes: its UTC hour (JSON), or its
// OCSF class and UTC day (Parquet).
type groupKey struct {
	class int
	at    int64 // hours or days since the Unix epoch
}

// locate returns the group of r, or why r cannot be stored.
func (f *format) locate(r *record.Record) (groupKey, string) {
	if f.lake == nil {
		return groupKey{at: hourOf(r.Time)}, ""
	}
	class, why := eventClass(r.Event)
	return groupKey{class: class, at: dayOf(r.Time)}, why
}

// group is the records of one groupKey in a batch: those between first
// and last (inclusive) whose key is key.
type group struct {
	key         groupKey
	first, last int
}

// rejected is a record the format cannot store, and why.
type rejected struct {
	i      int
	reason string
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
	keys  []groupKey // of each record of the batch
	idx   []int      // the records of the group being written
	raw   []byte     // the object's lines
	spans [][2]int   // each line in raw, without its newline
	key   []byte
	gz    bytes.Buffer
	zw    *gzip.Writer
	pq    pqEncoder
}

var encoders = sync.Pool{New: func() any { return &encoder{zw: gzip.NewWriter(nil)} }}

// group files recs by groupKey: the groups in order of first appearance
// (a batch going back and forth across an hour still makes one group per
// hour, in batch order), and the records that cannot be stored.
func (e *encoder) group(f *format, recs []record.Record) ([]group, []rejected) {
	e.keys = slices.Grow(e.keys[:0], len(recs))[:len(recs)]
	var groups []group
	var rejects []rejected
	index := map[groupKey]int{}
	for i := range recs {
		k, why := f.locate(&recs[i])
		if why != "" {
			rejects = append(rejects, rejected{i, why})
			k = groupKey{class: -1}
		}
		e.keys[i] = k
		if why != "" {
			continue
		}
		if g, ok := index[k]; ok {
			groups[g].last = i
			continue
		}
		index[k] = len(groups)
		groups = append(groups, group{key: k, first: i, last: i})
	}
	return groups, rejects
}

// members sets e.idx to the records of g, in batch order; Parquet sorts
// them by time, as Security Lake asks of an object's rows.
func (e *encoder) members(f *format, recs []record.Record, g group) []int {
	e.idx = e.idx[:0]
	for i := g.first; i <= g.last; i++ {
		if e.keys[i] == g.key {
			e.idx = append(e.idx, i)
		}
	}
	if f.lake != nil {
		sortByTime(recs, e.idx)
	}
	return e.idx
}

// build encodes the next object of stream id: the records of idx (of one
// group, key) from the first, as many as f's bounds allow, at least one.
// Its key is deterministic (the first record's time and a hash of the
// lines), so that a redelivered identical batch overwrites its objects
// instead of adding copies; an object is only ever replaced by one with
// the very same records, never by a shorter one from a redelivery cut
// differently. body stays valid until the next build.
func (e *encoder) build(f *format, id record.StreamID, recs []record.Record, idx []int, key groupKey) (object, error) {
	e.raw, e.spans = e.raw[:0], e.spans[:0]
	for _, i := range idx {
		if len(e.spans) == f.maxRecords {
			break
		}
		start := len(e.raw)
		e.raw = recs[i].AppendJSON(e.raw)
		if len(e.spans) > 0 && int64(len(e.raw)+1) > f.maxBytes {
			e.raw = e.raw[:start]
			break
		}
		e.spans = append(e.spans, [2]int{start, len(e.raw)})
		e.raw = append(e.raw, '\n')
	}
	obj := object{n: len(e.spans)}
	content := sha256.Sum256(e.raw)
	e.key = e.key[:0]
	if f.lake == nil {
		e.key = jsonFolder(e.key, f.prefix, id, key.at)
		obj.contentType = gzipType
		obj.body, obj.manifest = e.gzip(id, recs, idx[:obj.n])
	} else {
		e.key = f.lake.folder(e.key, key.class, key.at)
		obj.contentType = parquetType
		body, err := e.pq.encode(e.raw, e.spans, f.createdBy)
		if err != nil {
			return obj, err
		}
		obj.body = body
	}
	e.key = recs[idx[0]].Time.UTC().AppendFormat(e.key, firstLayout)
	e.key = append(e.key, '-')
	e.key = hex.AppendEncode(e.key, content[:8])
	if f.lake == nil {
		e.key = append(e.key, objectSuffix...)
	} else {
		e.key = append(e.key, parquetExt...)
	}
	obj.key = string(e.key)
	return obj, nil
}

// gzip compresses e.raw, the lines of recs[idx], and returns it with its
// manifest.
func (e *encoder) gzip(id record.StreamID, recs []record.Record, idx []int) (body, manifestJSON []byte) {
	m := manifest{Source: id.Source, Stream: id.Stream, Count: len(idx)}
	for n, i := range idx {
		t := recs[i].Time
		if n == 0 || t.Before(m.FirstTime) {
			m.FirstTime = t
		}
		if n == 0 || t.After(m.LastTime) {
			m.LastTime = t
		}
	}
	e.gz.Reset()
	e.zw.Reset(&e.gz)
	_, _ = e.zw.Write(e.raw) // a bytes.Buffer does not fail
	_ = e.zw.Close()
	sum := sha256.Sum256(e.gz.Bytes())
	m.SHA256 = hex.EncodeToString(sum[:])
	m.FirstTime, m.LastTime = m.FirstTime.UTC(), m.LastTime.UTC()
	mb, _ := json.Marshal(m) // plain strings, ints and times: cannot fail
	return e.gz.Bytes(), append(mb, '\n')
}

// jsonFolder is <prefix><source>/<stream>/YYYY/MM/DD/HH/.
func jsonFolder(b []byte, prefix string, id record.StreamID, hour int64) []byte {
	b = append(b, prefix...)
	b = append(b, id.Source...)
	b = append(b, '/')
	b = append(b, id.Stream...)
	b = append(b, '/')
	b = time.Unix(hour*3600, 0).UTC().AppendFormat(b, hourLayout)
	return append(b, '/')
}

// sortByTime sorts idx by the time of its records, keeping the batch
// order of equal times.
func sortByTime(recs []record.Record, idx []int) {
	for i := 1; i < len(idx); i++ {
		if recs[idx[i]].Time.Before(recs[idx[i-1]].Time) {
			slices.SortStableFunc(idx, func(a, b int) int { return recs[a].Time.Compare(recs[b].Time) })
			return
		}
	}
}
