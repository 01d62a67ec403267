package fault

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
)

// breakResponse runs the real handler into a buffer and sends only the first
// half of its body, while the headers promise all of it. With reset the
// connection is then aborted with a TCP RST; otherwise it is closed cleanly,
// and the client sees an unexpected EOF.
func breakResponse(w http.ResponseWriter, r *http.Request, next http.Handler, reset bool) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	raw := rawHead(rec.Code, rec.Header(), rec.Body.Len())
	raw = append(raw, rec.Body.Bytes()[:rec.Body.Len()/2]...)

	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 and other writers cannot be hijacked; aborting the handler
		// still breaks the response (RST_STREAM or a closed connection).
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	_, _ = conn.Write(raw)
	if reset {
		abortive(conn)
	}
}

// rawHead renders the status line and headers by hand because after a
// hijack net/http no longer writes them for us. Content-Length is the full
// length so the client knows the body is short; an empty body still
// promises two bytes so that it is visibly incomplete.
func rawHead(code int, h http.Header, bodyLen int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	keys := make([]string, 0, len(h))
	for k := range h {
		if k != "Content-Length" && k != "Connection" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %s\r\nConnection: close\r\n\r\n", strconv.Itoa(max(bodyLen, 2)))
	return b.Bytes()
}

// abortive sets SO_LINGER to 0 so Close sends RST instead of FIN.
func abortive(conn net.Conn) {
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok { // TLS
		conn = nc.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}
