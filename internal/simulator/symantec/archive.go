package symantec

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"io"
	"net/http"
	"time"
)

// writeSync sends a 200 sync answer: the ZIP (unless there is no data)
// and the trailer where TrailerMode puts it.
func (s *Server) writeSync(w http.ResponseWriter, now time.Time, chunks []chunk, a syncAnswer) {
	s.startSync(w, now, len(chunks) > 0, a)
	if len(chunks) > 0 {
		_ = s.writeZip(w, chunks, a.abort) // an error means the client left
	}
	s.finishSync(w, a)
}

// startSync writes the status line and headers of a sync answer.
func (s *Server) startSync(w http.ResponseWriter, now time.Time, hasZip bool, a syncAnswer) {
	h := w.Header()
	h.Set("Content-Disposition", `attachment; filename="cloud_archive_`+now.UTC().Format("20060102150405")+`.zip"`)
	h.Set("Content-Type", "application/octet-stream") // a bare trailer is no ZIP
	if hasZip {
		h.Set("Content-Type", "application/zip")
	}
	switch s.cfg.TrailerMode {
	case TrailerHeader:
		// Set directly to keep the documented spelling on the wire.
		h["X-sync-token"] = []string{a.token}
		h["X-sync-status"] = []string{a.status}
	case TrailerHTTPTrailer:
		h.Set("Trailer", "X-Sync-Token, X-Sync-Status")
	}
	w.WriteHeader(http.StatusOK)
}

// finishSync writes the trailer after the body, in body or HTTP-trailer mode.
func (s *Server) finishSync(w http.ResponseWriter, a syncAnswer) {
	switch s.cfg.TrailerMode {
	case TrailerBody:
		_, _ = io.WriteString(w, trailerText(a))
	case TrailerHTTPTrailer:
		w.Header().Set("X-Sync-Token", a.token)
		w.Header().Set("X-Sync-Status", a.status)
	}
}

// trailerText is the sync trailer: token line, then status line, CRLF
// terminated. With a 68-char token a bare "done" trailer is 105 bytes,
// one of the sizes RELAY lists for empty answers.
func trailerText(a syncAnswer) string {
	return "X-sync-token: " + a.token + "\r\nX-sync-status: " + a.status + "\r\n"
}

// writeZip writes one stored ZIP entry per chunk. With cut, the last
// entry's gzip data is cut in half: the ZIP stays readable, but that
// member ends mid-stream, as in a vendor "abort".
func (s *Server) writeZip(w io.Writer, chunks []chunk, cut bool) error {
	zw := zip.NewWriter(w)
	for k, c := range chunks {
		gz := gzipMember(memberHeader(c.h, c.m, memberFields(c.h, c.m)), c.lines)
		if cut && k == len(chunks)-1 {
			gz = gz[:len(gz)/2]
		}
		if err := writeStored(zw, s.memberName(c.h, c.m), c.h, gz); err != nil {
			return err
		}
	}
	return zw.Close()
}

// gzipMember compresses the header and the lines, each ending in "\n".
// The gzip header carries no name or time, so output depends on data only.
func gzipMember(header []byte, lines [][]byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write(header)
	for _, l := range lines {
		_, _ = zw.Write(l)
		_, _ = zw.Write([]byte{'\n'})
	}
	_ = zw.Close() // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}

// writeStored adds data as a stored (uncompressed) entry: gzip data does
// not shrink again, and known sizes in the local header let a client read
// the ZIP as a stream.
func writeStored(zw *zip.Writer, name string, mod time.Time, data []byte) error {
	fw, err := zw.CreateRaw(storedHeader(name, mod, int64(len(data)), crc32.ChecksumIEEE(data)))
	if err != nil {
		return err
	}
	_, err = fw.Write(data)
	return err
}

func storedHeader(name string, mod time.Time, size int64, crc uint32) *zip.FileHeader {
	fh := &zip.FileHeader{
		Name: name, Method: zip.Store, CRC32: crc, CreatorVersion: 20, ReaderVersion: 20,
		CompressedSize64: uint64(size), UncompressedSize64: uint64(size), Modified: mod,
	}
	// CreateRaw does not derive the MS-DOS time from Modified.
	fh.ModifiedDate, fh.ModifiedTime = dosTime(mod)
	return fh
}

// dosTime is the MS-DOS date and time of t (UTC, 2-second resolution).
func dosTime(t time.Time) (date, tm uint16) {
	t = t.UTC()
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}
