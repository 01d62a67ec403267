package splunkhec

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/retry"
)

// awaitAcks polls /services/collector/ack until Splunk reports every
// pending request indexed, or AckTimeout passes. It returns how many
// leading records are confirmed: only a prefix counts, because a retry
// resumes after the last record known indexed.
//
// Splunk forgets an ackId once it has reported it true, so confirmed ids
// are never queried again.
func (s *Sink) awaitAcks(ctx context.Context, pending []pendingAck) (int, error) {
	actx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.AckTimeout))
	defer cancel()
	indexed := make(map[int64]bool, len(pending))
	var lastErr error
	for {
		acks, err := s.queryAcks(actx, pending, indexed)
		if errclass.IsPermanent(err) {
			return confirmedPrefix(pending, indexed), err
		}
		if err != nil {
			lastErr = err // HEC busy or unreachable: keep polling until the deadline
		}
		for _, id := range acks {
			indexed[id] = true
		}
		n := confirmedPrefix(pending, indexed)
		if len(indexed) == len(pending) {
			return n, nil
		}
		if err := retry.Sleep(actx, time.Duration(s.cfg.AckPoll)); err != nil {
			return n, s.ackTimeout(ctx, len(pending)-len(indexed), len(pending), lastErr)
		}
	}
}

// ackTimeout is the error of a wait that ended: the caller's context, or
// AckTimeout, which is retryable (the batch is sent again).
func (s *Sink) ackTimeout(ctx context.Context, missing, total int, lastErr error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := fmt.Errorf("indexer acknowledgement: %d of %d requests not confirmed indexed within ack_timeout %v",
		missing, total, time.Duration(s.cfg.AckTimeout))
	if lastErr != nil {
		err = fmt.Errorf("%w (last ack query: %v)", err, lastErr)
	}
	return err
}

// queryAcks asks for the ids not yet indexed and returns those now indexed.
func (s *Sink) queryAcks(ctx context.Context, pending []pendingAck, indexed map[int64]bool) ([]int64, error) {
	q := struct {
		Acks []int64 `json:"acks"`
	}{}
	for _, p := range pending {
		if !indexed[p.id] {
			q.Acks = append(q.Acks, p.id)
		}
	}
	body, _ := json.Marshal(q) // a slice of integers always marshals
	r, err := s.do(ctx, s.ackURL, body, false)
	if err != nil {
		return nil, err
	}
	// Look up only the ids asked for: an answer about others means nothing.
	var done []int64
	for _, id := range q.Acks {
		if r.Acks[strconv.FormatInt(id, 10)] {
			done = append(done, id)
		}
	}
	return done, nil
}

// confirmedPrefix returns the end of the longest run of indexed requests
// from the first.
func confirmedPrefix(pending []pendingAck, indexed map[int64]bool) int {
	n := 0
	for _, p := range pending {
		if !indexed[p.id] {
			break
		}
		n = p.end
	}
	return n
}
