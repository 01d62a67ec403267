package kafka

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
)

// envelopeOverhead is about what AppendJSON adds to a record's fields and
// names: the keys, the time and the punctuation.
const envelopeOverhead = 96

// encode turns recs into Kafka records. Everything is copied into a few
// allocations per batch (keys and values share one buffer, headers one
// slice), so that the caller may reuse recs once Write returns and the
// cost per record stays what franz-go itself needs.
func (s *Sink) encode(id record.StreamID, recs []record.Record) ([]*kgo.Record, error) {
	size := 0
	for i := range recs {
		r := &recs[i]
		size += 2*len(r.ID) + len(r.Fields) + len(r.Event) + len(r.Vendor) + len(r.Source) + len(r.Stream) + envelopeOverhead
	}
	buf := make([]byte, 0, size)
	krs := make([]kgo.Record, len(recs))
	ptrs := make([]*kgo.Record, len(recs))
	hdrs := make([]kgo.RecordHeader, 3*len(recs))
	source, stream := []byte(id.Source), []byte(id.Stream)
	var vendor string // of the previous record: vendors come in runs
	var vendorVal []byte
	var topic string
	for i := range recs {
		r := &recs[i]
		if i == 0 || r.Vendor != vendor {
			t, err := s.topic(id, r.Vendor)
			if err != nil {
				return nil, err
			}
			vendor, vendorVal, topic = r.Vendor, []byte(r.Vendor), t
		}
		// Key and value are full slices of buf: if an append moves buf,
		// the earlier ones keep the old array, which nothing writes again.
		start := len(buf)
		buf = append(buf, r.ID...)
		key := buf[start:len(buf):len(buf)]
		start = len(buf)
		buf = r.AppendJSON(buf)
		h := hdrs[3*i : 3*i+3 : 3*i+3]
		h[0] = kgo.RecordHeader{Key: headerSource, Value: source}
		h[1] = kgo.RecordHeader{Key: headerStream, Value: stream}
		h[2] = kgo.RecordHeader{Key: headerVendor, Value: vendorVal}
		krs[i] = kgo.Record{Topic: topic, Key: key, Value: buf[start:len(buf):len(buf)], Headers: h}
		ptrs[i] = &krs[i]
	}
	return ptrs, nil
}

type topicKey struct{ source, stream, vendor string }

// topic renders the topic template for a stream and vendor, once: a bad
// name is a permanent error, since only the configuration can change it.
func (s *Sink) topic(id record.StreamID, vendor string) (string, error) {
	k := topicKey{id.Source, id.Stream, vendor}
	s.mu.Lock()
	t, ok := s.topics[k]
	s.mu.Unlock()
	if ok {
		return t, nil
	}
	t = strings.NewReplacer("{source}", id.Source, "{stream}", id.Stream, "{vendor}", vendor).Replace(s.cfg.Topic)
	if err := checkTopic(t); err != nil {
		return "", errclass.Permanent(s.errorf("write %s: %w", id, err))
	}
	s.mu.Lock()
	s.topics[k] = t
	s.mu.Unlock()
	return t, nil
}
