package normalize

import "bytes"

// urlParts are the pieces of a URL as written (sub-slices of it, nothing
// decoded), for the schemas' url objects.
type urlParts struct {
	scheme, host, port, path, query, fragment []byte
}

// splitURL splits a URL leniently: vendors log URLs without a scheme
// ("drive.google.com/files/x.pdf"), with unescaped spaces or non-ASCII, and
// url.Parse rejects or reinterprets some of them. The fragment is split off
// (it never reaches a proxy; OCSF has no place for it); userinfo is not
// kept.
func splitURL(u []byte) urlParts {
	var p urlParts
	if i := bytes.Index(u, []byte("://")); i > 0 && isScheme(u[:i]) {
		p.scheme, u = u[:i], u[i+3:]
	} else if len(u) > 0 && u[0] == '/' {
		return splitPath(p, u)
	}
	end := bytes.IndexAny(u, "/?#")
	if end < 0 {
		end = len(u)
	}
	auth := u[:end]
	if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	p.host, p.port = splitHostPort(auth)
	return splitPath(p, u[end:])
}

// splitPath fills path and query from what follows the authority.
func splitPath(p urlParts, rest []byte) urlParts {
	if i := bytes.IndexByte(rest, '#'); i >= 0 {
		rest, p.fragment = rest[:i], rest[i+1:]
	}
	p.path, p.query, _ = bytes.Cut(rest, []byte{'?'})
	return p
}

// splitHostPort separates "host:port" and "[v6]:port".
func splitHostPort(a []byte) (host, port []byte) {
	if len(a) > 0 && a[0] == '[' {
		if i := bytes.IndexByte(a, ']'); i > 0 {
			host, a = a[1:i], a[i+1:]
			if len(a) > 1 && a[0] == ':' {
				port = a[1:]
			}
			return host, port
		}
	}
	if i := bytes.LastIndexByte(a, ':'); i >= 0 && bytes.IndexByte(a[:i], ':') < 0 {
		return a[:i], a[i+1:]
	}
	return a, nil
}

func isScheme(s []byte) bool {
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// defaultPort reports whether port is the scheme's well-known port, which a
// URL leaves out.
func defaultPort(scheme, port []byte) bool {
	switch string(scheme) {
	case "http":
		return string(port) == "80"
	case "https":
		return string(port) == "443"
	}
	return false
}
