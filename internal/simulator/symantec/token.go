package symantec

import (
	"sync"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// tokenLen is the length of a sync token: "typically 68 characters"
// (RELAY, KB174730).
const tokenLen = 68

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// tokenInfo is what the server remembers of a token: where the session
// stands and when the token was issued. Returning a token again ("done"
// with the same token) does not renew it, so a token polled for longer
// than TokenTTL expires even if it is in use (VULTURE saw ~24h).
type tokenInfo struct {
	serial int
	issued time.Time
	at     pos
	gone   bool // expired on its own by an injected 410
}

// tokenStore holds every token issued. Token text is derived from the seed
// and the issue serial, so same seed and same requests give same tokens.
type tokenStore struct {
	seed uint64

	mu      sync.Mutex
	m       map[string]tokenInfo
	serial  int
	expired int // tokens with a serial below this were expired by ExpireTokens
}

func newTokenStore(seed uint64) *tokenStore {
	return &tokenStore{seed: seed, m: map[string]tokenInfo{}}
}

// issue mints a new token for position at.
func (ts *tokenStore) issue(at pos, now time.Time) string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for {
		ts.serial++
		tok := tokenText(ts.seed, ts.serial)
		if _, taken := ts.m[tok]; !taken {
			ts.m[tok] = tokenInfo{serial: ts.serial, issued: now, at: at}
			return tok
		}
	}
}

// lookup finds a live token; false for unknown, expired or too old ones.
// A negative ttl means tokens never age out.
func (ts *tokenStore) lookup(tok string, now time.Time, ttl time.Duration) (pos, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	info, ok := ts.m[tok]
	if !ok || info.gone || info.serial < ts.expired || (ttl >= 0 && now.Sub(info.issued) > ttl) {
		return pos{}, false
	}
	return info.at, true
}

// drop expires one token (an injected 410). Its text stays reserved, so
// it is never issued again.
func (ts *tokenStore) drop(tok string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if info, ok := ts.m[tok]; ok {
		info.gone = true
		ts.m[tok] = info
	}
}

func (ts *tokenStore) expireAll() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.expired = ts.serial + 1
}

func tokenText(seed uint64, serial int) string {
	r := simrand.RNG(simrand.Mix(seed ^ simrand.Mix(uint64(serial)+0x70c)))
	b := make([]byte, tokenLen)
	for k := range b {
		b[k] = tokenAlphabet[r.Intn(len(tokenAlphabet))]
	}
	return string(b)
}
