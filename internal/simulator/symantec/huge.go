package symantec

import (
	"archive/zip"
	"hash/crc32"
	"net/http"
	"time"
)

// hugeArchive is the HugeBytes archive: one ZIP entry whose gzip data is
// a header member followed by the same compressed block of lines repeated
// reps times. A multi-member gzip stream decompresses to the concatenation,
// so the entry is valid ELFF of at least HugeBytes, yet it is streamed from
// two small buffers and never exists in memory or on disk.
type hugeArchive struct {
	name        string
	mod         time.Time
	head, block []byte // gzip members
	reps        int64
	size        int64 // gzip bytes in the entry
	crc         uint32
}

// hugeBlockLines is how many lines the repeated block holds.
const hugeBlockLines = 1000

func (s *Server) buildHuge(want int64) *hugeArchive {
	h := s.start
	head := memberHeader(h, 0, defaultFields)
	lines := make([][]byte, min(s.cfg.LinesPerHour, hugeBlockLines))
	plain := int64(0)
	for i := range lines {
		c := s.newLineCtx(h, i)
		c.width = 0 // repeated reps times, the one big line would not be one
		lines[i] = c.render(defaultFields)
		plain += int64(len(lines[i]) + 1)
	}
	a := &hugeArchive{name: s.memberName(h, 0), mod: h, head: gzipMember(head, nil), block: gzipMember(nil, lines)}
	a.reps = max(1, (want-int64(len(head))+plain-1)/plain)
	a.size = int64(len(a.head)) + a.reps*int64(len(a.block))
	// The stored entry's CRC must be known before streaming, so that the
	// local header carries it (and the sizes) and the ZIP reads as a stream.
	a.crc = crc32.ChecksumIEEE(a.head)
	for k := int64(0); k < a.reps; k++ {
		a.crc = crc32.Update(a.crc, crc32.IEEETable, a.block)
	}
	return a
}

// serveHuge answers a sync request in HugeBytes mode: a new session gets
// the huge archive and "done"; a session's token then gets an empty "done".
// Abort and MaxLinesPerArchive do not apply.
func (s *Server) serveHuge(w http.ResponseWriter, r *http.Request, p syncReq, from pos, now time.Time) (int, string) {
	if p.token != "none" {
		s.writeSync(w, now, nil, syncAnswer{status: statusDone, token: p.token})
		return http.StatusOK, statusDone
	}
	a := syncAnswer{status: statusDone, token: s.tokens.issue(from, now)}
	s.startSync(w, now, true, a)
	if s.huge.write(w, r) == nil {
		s.finishSync(w, a)
	}
	return http.StatusOK, statusDone
}

// write streams the archive; it stops when the client goes away.
func (a *hugeArchive) write(w http.ResponseWriter, r *http.Request) error {
	zw := zip.NewWriter(w)
	fw, err := zw.CreateRaw(storedHeader(a.name, a.mod, a.size, a.crc))
	if err != nil {
		return err
	}
	if _, err = fw.Write(a.head); err != nil {
		return err
	}
	for k := int64(0); k < a.reps; k++ {
		if err = r.Context().Err(); err != nil {
			return err
		}
		if _, err = fw.Write(a.block); err != nil {
			return err
		}
	}
	return zw.Close()
}
