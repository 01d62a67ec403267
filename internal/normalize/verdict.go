package normalize

import "bytes"

// verdict is what a security control decided, read from the vendor's action
// words. Higher values win when a record lists several ("Alert, Denied,
// Notify, Threat" is a block).
type verdict uint8

const (
	verdictNone verdict = iota // no word we know
	verdictAllowed
	verdictContinued // the user clicked through a warning page
	verdictAlerted
	verdictEncrypted
	verdictIsolated
	verdictBlocked
	verdictQuarantined
)

// outcome is a parsed action field.
type outcome struct {
	verdict verdict
	word    []byte // the word that decided the verdict, as written
	threat  bool   // the vendor flagged a threat ("Threat" among the words)
}

// outcomeWords holds the vendors' action words in lower case: Forcepoint's
// policy actions and Symantec's sc-filter-result values.
var outcomeWords = map[string]verdict{
	"allow": verdictAllowed, "allowed": verdictAllowed, "observed": verdictAllowed, "proxied": verdictAllowed,
	"continue": verdictContinued, "continued": verdictContinued,
	"alert": verdictAlerted, "notify": verdictAlerted, "notifyadmin": verdictAlerted,
	"notifyowner": verdictAlerted, "notifyuser": verdictAlerted,
	"encrypt": verdictEncrypted, "encrypted": verdictEncrypted,
	"isolate": verdictIsolated, "isolated": verdictIsolated,
	"block": verdictBlocked, "blocked": verdictBlocked, "deny": verdictBlocked, "denied": verdictBlocked,
	"quarantine": verdictQuarantined, "quarantined": verdictQuarantined,
}

// parseOutcome reads a comma-separated list of action words.
func parseOutcome(v []byte) outcome {
	var o outcome
	for len(v) > 0 {
		var w []byte
		w, v, _ = bytes.Cut(v, []byte{','})
		w = bytes.TrimSpace(w)
		if low, ok := lowerWord(w); ok && string(low.bytes()) == "threat" {
			o.threat = true
			continue
		}
		if vd, _ := lookupFold(outcomeWords, w); vd > o.verdict {
			o.verdict, o.word = vd, w
		}
	}
	return o
}

// word is a short vendor word in ASCII lower case, for case-insensitive
// lookups without allocating.
type word struct {
	buf [24]byte
	n   int
}

// lowerWord lowers v; ok is false when v is empty or too long to be a word
// any table holds.
func lowerWord(v []byte) (w word, ok bool) {
	if len(v) == 0 || len(v) > len(w.buf) {
		return w, false
	}
	for i, c := range v {
		w.buf[i] = lower(c)
	}
	w.n = len(v)
	return w, true
}

func (w *word) bytes() []byte { return w.buf[:w.n] }

// lookupFold looks v up, ignoring ASCII case, in a table keyed by
// lower-case words.
func lookupFold[V any](table map[string]V, v []byte) (V, bool) {
	w, ok := lowerWord(v)
	if !ok {
		var zero V
		return zero, false
	}
	x, ok := table[string(w.bytes())]
	return x, ok
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFold reports whether s contains the lower-case ASCII word sub,
// ignoring the case of s.
func containsFold(s []byte, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && lower(s[i+j]) == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}
