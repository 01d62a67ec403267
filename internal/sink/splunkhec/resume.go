package splunkhec

import (
	"crypto/sha256"

	"github.com/gatelog/gatelog/internal/record"
)

// resume remembers, after a failed Write, how many leading records of its
// batch Splunk had confirmed, and a digest of them. The pipeline retries a
// failed batch as it was, so the retry can skip them: a busy indexer
// (503, code 9) in the middle of a large batch then costs one request
// again, not every request before it. The digest makes a different batch
// start from scratch instead.
type resume struct {
	n   int
	sum [sha256.Size]byte
}

// digest hashes records by their envelope, which holds every field.
func digest(recs []record.Record) [sha256.Size]byte {
	h := sha256.New()
	var b []byte
	for i := range recs {
		b = recs[i].AppendJSON(b[:0])
		_, _ = h.Write(append(b, '\n')) // hash writes never fail
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// remember keeps the confirmed prefix of a failed Write's batch.
func (s *Sink) remember(id record.StreamID, confirmed []record.Record) {
	if len(confirmed) == 0 {
		return
	}
	r := resume{n: len(confirmed), sum: digest(confirmed)}
	s.mu.Lock()
	s.resumes[id] = r
	s.mu.Unlock()
}

// resumeFrom returns how many leading records of recs a failed Write of the
// same stream already delivered, and forgets it: it applies to one retry.
func (s *Sink) resumeFrom(id record.StreamID, recs []record.Record) int {
	s.mu.Lock()
	r, ok := s.resumes[id]
	delete(s.resumes, id)
	s.mu.Unlock()
	if !ok || r.n > len(recs) || digest(recs[:r.n]) != r.sum {
		return 0
	}
	return r.n
}
