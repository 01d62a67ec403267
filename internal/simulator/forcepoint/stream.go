package forcepoint

import (
	"math/bits"
	"sort"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// class groups log types by how the vendor pages them.
type class int

const (
	classOld    class = iota // access, admin, cloudaudit, cloudsummary
	classHealth              // health*: old paging, newer cv
	classNew                 // swgweb, swgwebdlp, ztna
)

// burst is how many consecutive records share one timestamp, so that
// collectors meet several events in the same second (as in real traffic).
const burst = 3

// stream is the data of one log type: count pre-generated records spread
// over [first, end], then, when live, records arriving after end.
type stream struct {
	typ    string
	class  class
	minCV  version
	seed   uint64
	salt   uint64
	n      int
	first  time.Time
	span   time.Duration
	end    time.Time
	live   bool
	rate   float64
	fields []field
	// sizeHint is a generous record size, so a page buffer rarely regrows.
	sizeHint int
}

// exactTime is when record i happened, before truncation to the second.
func (st *stream) exactTime(i int) time.Time {
	if i >= st.n {
		return st.end.Add(st.liveOffset(i - st.n + 1))
	}
	if st.n == 1 {
		return st.end
	}
	g := uint64(i - i%burst)
	hi, lo := bits.Mul64(g, uint64(st.span))
	q, _ := bits.Div64(hi, lo, uint64(st.n-1)) // g <= n-1, so no overflow
	return st.first.Add(time.Duration(q))
}

// servedTime is the record's time as the API shows it: whole seconds.
func (st *stream) servedTime(i int) time.Time {
	return st.exactTime(i).Truncate(time.Second)
}

// liveOffset is how long after end live record j (1-based) arrives.
func (st *stream) liveOffset(j int) time.Duration {
	return time.Duration(float64(j) * float64(time.Second) / st.rate)
}

// liveCount is how many live records have arrived by now.
func (st *stream) liveCount(now time.Time) int {
	if !st.live || !now.After(st.end) {
		return 0
	}
	elapsed := now.Sub(st.end)
	k := int(float64(elapsed) * st.rate / float64(time.Second))
	// Correct float rounding so that liveCount agrees with liveOffset exactly.
	for k > 0 && st.liveOffset(k) > elapsed {
		k--
	}
	for st.liveOffset(k+1) <= elapsed {
		k++
	}
	return k
}

// available is the number of records that exist at now.
func (st *stream) available(now time.Time) int {
	return st.n + st.liveCount(now)
}

// countUpTo is the number of records whose exact time is <= upTo.
func (st *stream) countUpTo(upTo time.Time) int {
	pre := sort.Search(st.n, func(i int) bool { return st.exactTime(i).After(upTo) })
	if pre < st.n {
		return pre
	}
	return st.n + st.liveCount(upTo)
}

// lowerBound is the first record among avail whose served time is >= t.
func (st *stream) lowerBound(t time.Time, avail int) int {
	return sort.Search(avail, func(i int) bool { return !st.servedTime(i).Before(t) })
}

// appendRecord appends the JSON object of record i as the view serves it.
func (st *stream) appendRecord(b []byte, i int, v view) []byte {
	var c recCtx
	return st.appendRecordWith(b, i, v, &c)
}

// appendRecordWith reuses c as scratch space: the generators take a
// pointer, so a fresh context per record would cost a heap allocation.
func (st *stream) appendRecordWith(b []byte, i int, v view, c *recCtx) []byte {
	st.reset(c, i)
	sep := "{"
	for k := range st.fields {
		f := &st.fields[k]
		if !v.serves(k) {
			// Drawn all the same, then cut off, so the fields after it
			// keep their values whatever the cv.
			mark := len(b)
			b = f.gen(b, c)[:mark]
			continue
		}
		b = append(b, sep...)
		b = append(b, f.key...)
		b = f.gen(b, c)
		sep = ", "
	}
	if sep == "{" {
		b = append(b, '{')
	}
	return append(b, '}')
}

func (st *stream) reset(c *recCtx, i int) {
	h := simrand.Mix(st.seed ^ simrand.Mix(st.salt+uint64(i)))
	*c = recCtx{typ: st.typ, i: i, h: h, r: simrand.RNG(h), t: st.servedTime(i)}
	c.st = stampOf(c.t)
	c.who = &people[c.r.Intn(len(people))]
	c.geo = c.r.Intn(len(webCountries))
	c.dom = c.r.Intn(len(webDomains))
}

// Record is one log record as served.
type Record struct {
	Time time.Time // event time as served (whole seconds, UTC)
	JSON []byte    // the exact bytes of the object in response.data
}

func (st *stream) record(i int, v view) Record {
	return Record{Time: st.servedTime(i).UTC(), JSON: st.appendRecord(nil, i, v)}
}
