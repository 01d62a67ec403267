package normalize

import "bytes"

// clientOS reads the client connector's x-client-os, such as
// "architecture=x86_64%20name=Windows%2010%20Enterprise%20version=10.0.19044":
// percent-encoded key=value pairs separated by spaces, whose values may
// hold spaces too, so a pair starts only where a known key does.
func clientOS(v []byte) (name, version []byte) {
	dec := percentDecode(v)
	return pairValue(dec, "name="), pairValue(dec, "version=")
}

// osKeys are the keys of x-client-os.
var osKeys = [...]string{"architecture=", "name=", "version="}

// pairValue is the value of key in s: up to the next known key, or the end.
func pairValue(s []byte, key string) []byte {
	start := keyAt(s, key)
	if start < 0 {
		return nil
	}
	start += len(key)
	end := len(s)
	for _, k := range osKeys {
		if i := keyAt(s[start:], k); i > 0 && start+i-1 < end {
			end = start + i - 1 // the space before the next key
		}
	}
	return s[start:end]
}

// keyAt finds key at the start of s or after a space.
func keyAt(s []byte, key string) int {
	for off := 0; off < len(s); {
		i := bytes.Index(s[off:], []byte(key))
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || s[i-1] == ' ' {
			return i
		}
		off = i + 1
	}
	return -1
}

// percentDecode decodes %XX escapes; a malformed one is kept as written.
func percentDecode(v []byte) []byte {
	if bytes.IndexByte(v, '%') < 0 {
		return v
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) && hexVal(v[i+1]) >= 0 && hexVal(v[i+2]) >= 0 {
			out = append(out, byte(hexVal(v[i+1])<<4|hexVal(v[i+2])))
			i += 2
			continue
		}
		out = append(out, v[i])
	}
	return out
}

// syURL rebuilds scheme://host[:port]path?query, leaving out a default
// port; nil without a host.
func (e *event) syURL() []byte {
	host := e.fs.text(syHost)
	if host == nil {
		return nil
	}
	scheme, port, path, query := e.fs.text(syScheme), e.fs.text(syPort), e.fs.text(syPath), e.fs.text(syQuery)
	u := make([]byte, 0, len(scheme)+len(host)+len(port)+len(path)+len(query)+5)
	if scheme != nil {
		u = append(append(u, scheme...), "://"...)
	}
	u = append(u, host...)
	if port != nil && !defaultPort(scheme, port) {
		u = append(append(u, ':'), port...)
	}
	u = append(u, path...)
	if len(query) > 0 && query[0] != '?' {
		u = append(u, '?')
	}
	return append(u, query...)
}
