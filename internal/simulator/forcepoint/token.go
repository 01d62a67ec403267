package forcepoint

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// endToken is what new types send with an empty page: base64 of "{}".
// The vendor's collector calls it "technically an invalid token", and so
// does this server when it comes back.
const endToken = "e30="

// cursor is the position a token stands for: the index of the next record
// to serve. window and page only shape the new-type token text.
type cursor struct {
	typ    string
	pos    int
	window string
	page   int
}

// tokenStore remembers every token issued. Tokens are deterministic in
// (seed, type, position, window, page), so two servers with the same seed
// issue the same tokens, but a server only accepts tokens it issued itself.
type tokenStore struct {
	mu sync.Mutex
	m  map[string]cursor
}

func newTokenStore() *tokenStore { return &tokenStore{m: map[string]cursor{}} }

func (ts *tokenStore) lookup(typ, tok string) (cursor, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	c, ok := ts.m[tok]
	return c, ok && c.typ == typ
}

// issue returns the token for c. If the text ever collides with a token
// for another position, a salt is bumped until it is unique.
func (ts *tokenStore) issue(st *stream, c cursor) string {
	if st.class != classNew {
		c.window, c.page = "", 0 // old tokens depend on the position only
	}
	for bump := uint64(0); ; bump++ {
		tok := encodeToken(st, c, bump)
		ts.mu.Lock()
		old, taken := ts.m[tok]
		if !taken || old == c {
			ts.m[tok] = c
			ts.mu.Unlock()
			return tok
		}
		ts.mu.Unlock()
	}
}

func encodeToken(st *stream, c cursor, bump uint64) string {
	h := simrand.Mix(st.seed ^ simrand.Mix(st.salt^uint64(c.pos)) ^ simrand.Mix(bump+7))
	anchor := st.first.Truncate(time.Second)
	if c.pos > 0 {
		anchor = st.servedTime(c.pos - 1) // newest record before the position
	}
	var js []byte
	if st.class == classNew {
		js = newTokenJSON(c, anchor.Add(time.Duration(h%1e6)*time.Microsecond))
	} else {
		js = oldTokenJSON(logID(st, c.pos, bump), anchor.Add(100*time.Millisecond+time.Duration(h%900_000)*time.Microsecond))
	}
	return base64.StdEncoding.EncodeToString(js)
}

// oldTokenJSON mirrors the vendor sample, whose datetime lies a little after
// the newest event of the page: {"log_id": "<40 hex>", "datetime": "...Z"}.
func oldTokenJSON(id string, dt time.Time) []byte {
	return []byte(`{"log_id": "` + id + `", "datetime": "` + dt.UTC().Format(layoutTokenTime) + `"}`)
}

func newTokenJSON(c cursor, end time.Time) []byte {
	return []byte(`{"start_time": "` + c.window + `", "end_time": "` + end.UTC().Format(layoutTokenTime) +
		`", "page": ` + strconv.Itoa(c.page) + `}`)
}

// logID is a 40-hex-digit id, like the SHA-1 looking ids in the sample.
func logID(st *stream, pos int, bump uint64) string {
	var buf [32]byte
	binary.BigEndian.PutUint64(buf[0:], st.seed)
	binary.BigEndian.PutUint64(buf[8:], st.salt)
	binary.BigEndian.PutUint64(buf[16:], uint64(pos))
	binary.BigEndian.PutUint64(buf[24:], bump)
	sum := sha1.Sum(buf[:])
	return hex.EncodeToString(sum[:])
}
