package forcepoint

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// recCtx is everything a field generator may draw on for one record.
type recCtx struct {
	typ string
	i   int
	h   uint64      // hash of (seed, type, i): source of the record's ids
	r   simrand.RNG // draws for the free-form fields
	t   time.Time
	st  stamp
	who *person
	geo int // index into webCountries, shared by country and countrycode
	dom int // index into webDomains, shared by requestdomain and url
}

// gen appends one JSON value (quotes included) for a field.
type gen func(b []byte, c *recCtx) []byte

func quote(b []byte, escaped string) []byte {
	b = append(b, '"')
	b = append(b, escaped...)
	return append(b, '"')
}

// pick draws a value from a pool of escaped strings.
func pick(pool []string) gen {
	return func(b []byte, c *recCtx) []byte { return quote(b, pool[c.r.Intn(len(pool))]) }
}

// lit is a constant string value.
func lit(s string) gen {
	e := esc(s)[0]
	return func(b []byte, _ *recCtx) []byte { return quote(b, e) }
}

// num draws a JSON number in [lo,hi].
func num(lo, hi int) gen {
	return func(b []byte, c *recCtx) []byte { return strconv.AppendInt(b, int64(c.r.Between(lo, hi)), 10) }
}

// numOf draws a JSON number from a list.
func numOf(vals []int) gen {
	return func(b []byte, c *recCtx) []byte { return strconv.AppendInt(b, int64(vals[c.r.Intn(len(vals))]), 10) }
}

// sometimes leaves a field empty most of the time, as the vendor does for
// fields that only apply to some activities.
func sometimes(g gen) gen {
	return func(b []byte, c *recCtx) []byte {
		if c.r.Intn(4) != 0 {
			return append(b, `""`...)
		}
		return g(b, c)
	}
}

func genTime(b []byte, c *recCtx) []byte {
	b = append(b, '"')
	return append(c.st.appendLog(b), '"')
}

func genSyslog(b []byte, c *recCtx) []byte {
	b = append(b, `"<114>1 `...)
	b = c.st.appendISO(b, 'T')
	b = append(b, ".000000Z api.bitglass.com NILVALUE NILVALUE "...)
	b = append(b, c.typ...)
	return append(b, '"')
}

// genIndexed is when the vendor indexed the event: a little after it.
func genIndexed(b []byte, c *recCtx) []byte {
	s := stampOf(c.t.Add(time.Duration(c.r.Between(1, 300)) * time.Second))
	b = append(b, '"')
	return append(s.appendLog(b), '"')
}

func genUser(b []byte, c *recCtx) []byte   { return quote(b, c.who.name) }
func genEmail(b []byte, c *recCtx) []byte  { return quote(b, c.who.email) }
func genGroups(b []byte, c *recCtx) []byte { return quote(b, c.who.groups) }

func genIP(b []byte, c *recCtx) []byte {
	v := c.r.Next()
	b = append(b, '"')
	for k := 0; k < 4; k++ {
		if k > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, (v>>(8*k))&0xff, 10)
	}
	return append(b, '"')
}

// genPolicyID is a string of digits, as in the vendor's sample.
func genPolicyID(b []byte, c *recCtx) []byte {
	b = append(b, '"')
	b = strconv.AppendInt(b, int64(c.r.Between(100000, 199999)), 10)
	return append(b, '"')
}

// genTxn builds a transaction id like "YcSqiokYAAZorZZmxLRWqQAAAew [2021-12-23 16:57:46]":
// 27 URL-safe base64 characters whose first four bytes are the Unix time (as
// in the vendor's sample) and which contain the record index, so ids never
// collide. The bracketed time alternates between the two layouts the vendor
// is seen to use.
func genTxn(b []byte, c *recCtx) []byte {
	var raw [20]byte
	binary.BigEndian.PutUint32(raw[0:], uint32(c.t.Unix()))
	binary.BigEndian.PutUint64(raw[4:], c.h)
	binary.BigEndian.PutUint32(raw[12:], uint32(c.i))
	binary.BigEndian.PutUint32(raw[16:], uint32(simrand.Mix(c.h)))
	b = append(b, '"')
	b = base64.RawURLEncoding.AppendEncode(b, raw[:])
	b = append(b, " ["...)
	if c.i%2 == 0 {
		b = c.st.appendISO(b, ' ')
	} else {
		b = c.st.appendLog(b)
	}
	return append(b, `]"`...)
}

// genGUID is a unique GUID (setransactionid).
func genGUID(b []byte, c *recCtx) []byte {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[0:], c.h)
	binary.BigEndian.PutUint32(raw[8:], uint32(c.i))
	binary.BigEndian.PutUint32(raw[12:], uint32(simrand.Mix(c.h^1)))
	return appendGUID(b, raw)
}

// genDeviceGUID is a device GUID drawn from the simrand.RNG, often empty.
func genDeviceGUID(b []byte, c *recCtx) []byte {
	if c.r.Intn(3) != 0 {
		return append(b, `""`...)
	}
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[0:], c.r.Next())
	binary.BigEndian.PutUint64(raw[8:], c.r.Next())
	return appendGUID(b, raw)
}

func appendGUID(b []byte, raw [16]byte) []byte {
	b = append(b, '"')
	b = hex.AppendEncode(b, raw[0:4])
	for _, part := range [][]byte{raw[4:6], raw[6:8], raw[8:10], raw[10:16]} {
		b = append(b, '-')
		b = hex.AppendEncode(b, part)
	}
	return append(b, '"')
}

// appendFileID writes the unique 32-hex-digit file id, unquoted, so that
// fileid and filelink agree.
func appendFileID(b []byte, c *recCtx) []byte {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[0:], c.h)
	binary.BigEndian.PutUint32(raw[8:], uint32(simrand.Mix(c.h^2)))
	binary.BigEndian.PutUint32(raw[12:], uint32(c.i))
	return hex.AppendEncode(b, raw[:])
}

func genFileID(b []byte, c *recCtx) []byte {
	return append(appendFileID(append(b, '"'), c), '"')
}

func genFileLink(b []byte, c *recCtx) []byte {
	b = append(b, `"https://app.box.com/file/`...)
	return append(appendFileID(b, c), '"')
}

// hexDigest is a random hex string of n bytes (document hashes).
func hexDigest(n int) gen {
	return func(b []byte, c *recCtx) []byte {
		var raw [8]byte
		b = append(b, '"')
		for k := 0; k < n; k += 8 {
			binary.BigEndian.PutUint64(raw[:], c.r.Next())
			b = hex.AppendEncode(b, raw[:min(8, n-k)])
		}
		return append(b, '"')
	}
}

// withSeq appends the record index to a pool value. Types without a vendor
// id (admin, health) need it to keep every record unique.
func withSeq(pool []string) gen {
	return func(b []byte, c *recCtx) []byte {
		b = append(b, '"')
		if v := pool[c.r.Intn(len(pool))]; v != "" {
			b = append(b, v...)
			b = append(b, ' ')
		}
		b = append(b, "(ref "...)
		b = strconv.AppendInt(b, int64(c.i), 10)
		return append(b, `)"`...)
	}
}

func genCloudURL(b []byte, c *recCtx) []byte {
	b = append(b, '"')
	b = append(b, poolCloudHost[c.r.Intn(len(poolCloudHost))]...)
	b = append(b, poolURLPath[c.r.Intn(len(poolURLPath))]...)
	return append(b, '"')
}

func genWebURL(b []byte, c *recCtx) []byte {
	b = append(b, `"https://`...)
	b = append(b, webDomains[c.dom]...)
	b = append(b, poolURLPath[c.r.Intn(len(poolURLPath))]...)
	return append(b, '"')
}

func genDomain(b []byte, c *recCtx) []byte      { return quote(b, webDomains[c.dom]) }
func genCountry(b []byte, c *recCtx) []byte     { return quote(b, webCountries[c.geo][1]) }
func genCountryCode(b []byte, c *recCtx) []byte { return quote(b, webCountries[c.geo][0]) }
