package forcepoint

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
)

// writeCSV answers responseformat=csv (the default) with plain CSV text, so
// a client that forgot responseformat=json visibly gets CSV. No token is
// sent with it; the real CSV envelope is not emulated.
func writeCSV(w http.ResponseWriter, st *stream, pg page, v view) int {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	var header []string
	for k, f := range st.fields {
		if v.serves(k) {
			header = append(header, f.name)
		}
	}
	_ = cw.Write(header)
	for k := 0; k < pg.to-pg.from; k++ {
		_ = cw.Write(csvRow(st.appendRecord(nil, pg.recordIndex(st, k), v), header))
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return http.StatusOK
}

// csvRow decodes a record (CSV is rare, so decoding is fine here).
func csvRow(rec []byte, header []string) []string {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(rec))
	dec.UseNumber()
	_ = dec.Decode(&m)
	row := make([]string, len(header))
	for i, h := range header {
		switch v := m[h].(type) {
		case string:
			row[i] = v
		case json.Number:
			row[i] = v.String()
		}
	}
	return row
}
