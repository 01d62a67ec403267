package sink

import (
	"net"
	"net/url"
)

// URLEndpoint is the host:port an http(s) URL connects to, the port
// defaulting by scheme; raw itself when it does not parse (the dial then
// fails with it in the message).
func URLEndpoint(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return raw
	case u.Port() != "":
		return u.Host
	case u.Scheme == "http":
		return net.JoinHostPort(u.Hostname(), "80")
	}
	return net.JoinHostPort(u.Hostname(), "443")
}
