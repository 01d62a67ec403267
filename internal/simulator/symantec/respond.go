package symantec

import (
	"encoding/json"
	"net/http"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// writeBody sends a complete body with its length.
func writeBody(w http.ResponseWriter, code int, ctype string, body []byte) int {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
	return code
}

// writeText is the /reportpod error shape: a plain-text reason, as the
// collectors only log the body of a failed request.
func writeText(w http.ResponseWriter, code int, msg string) int {
	return writeBody(w, code, "text/plain; charset=utf-8", []byte(msg+"\n"))
}

// writeJSONError is the /api/rest error shape (our choice; not documented).
func writeJSONError(w http.ResponseWriter, code int, msg string) int {
	b, _ := json.Marshal(map[string]any{"status": code, "message": msg})
	return writeBody(w, code, "application/json", b)
}
