package normalize

import (
	"bytes"
	"net/netip"
)

// parseInt reads a decimal integer: a JSON integer, or digits in a string
// (Symantec writes every number as text). Anything else, fractions and
// exponents included, is not an integer.
func parseInt(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// isIP reports whether v is an IPv4 or IPv6 address (ip_t allows at most
// 40 characters).
func isIP(v []byte) bool {
	if len(v) == 0 || len(v) > 40 {
		return false
	}
	if bytes.IndexByte(v, ':') < 0 {
		return isIPv4(v)
	}
	_, err := netip.ParseAddr(string(v))
	return err == nil
}

// isIPv4 checks dotted-quad form without allocating; most addresses are v4.
func isIPv4(v []byte) bool {
	for parts := 1; ; parts++ {
		p, rest, more := bytes.Cut(v, []byte{'.'})
		n, ok := parseInt(p)
		if !ok || p[0] == '-' || n > 255 || len(p) > 1 && p[0] == '0' {
			return false
		}
		if !more {
			return parts == 4
		}
		v = rest
	}
}

// isEmail matches OCSF's email_t pattern:
// ^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$
// (the class's "+-/" is a range, so it also allows ',').
func isEmail(v []byte) bool {
	local, domain, ok := bytes.Cut(v, []byte{'@'})
	if !ok || len(local) == 0 {
		return false
	}
	for _, c := range local {
		if !alnum(c) && bytes.IndexByte([]byte("!#$%&'*+,-./=?^_`{|}~"), c) < 0 {
			return false
		}
	}
	label, rest, ok := bytes.Cut(domain, []byte{'.'})
	if !ok || len(label) == 0 || len(rest) == 0 {
		return false
	}
	for _, c := range label {
		if !alnum(c) && c != '-' {
			return false
		}
	}
	for _, c := range rest {
		if !alnum(c) && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// nextItem cuts the first item off a sep-separated list, trimmed of spaces.
func nextItem(v []byte, sep byte) (item, rest []byte) {
	item, rest, _ = bytes.Cut(v, []byte{sep})
	return bytesTrim(item), rest
}

func bytesTrim(v []byte) []byte { return bytes.Trim(v, " \t") }
