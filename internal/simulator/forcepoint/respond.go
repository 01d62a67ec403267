package forcepoint

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// writeStatus sends the vendor's error shape, {"status": "<message>"}.
func writeStatus(w http.ResponseWriter, code int, msg string) int {
	m, _ := json.Marshal(msg)
	body := append(append([]byte(`{"status": `), m...), '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
	return code
}

const (
	pagePrefix = `{"nextpagetoken": "`
	dataPrefix = `", "response": {"data": [`
	pageSuffix = `], "dataencoding": "utf-8", "dataformat": "json"}, "status": "Request was successful"}`
)

// writeJSONPage assembles the page from bytes; the records are written
// straight from their generators, never through encoding/json.
func writeJSONPage(w http.ResponseWriter, st *stream, pg page, v view) int {
	n := pg.to - pg.from
	b := make([]byte, 0, 256+n*st.sizeHint)
	b = append(b, pagePrefix...)
	b = append(b, pg.token...) // base64: nothing to escape
	b = append(b, dataPrefix...)
	var c recCtx
	for k := 0; k < n; k++ {
		if k > 0 {
			b = append(b, ", "...)
		}
		b = st.appendRecordWith(b, pg.recordIndex(st, k), v, &c)
	}
	b = append(b, pageSuffix...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return http.StatusOK
}
