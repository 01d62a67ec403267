package kafka

import (
	"github.com/twmb/franz-go/pkg/kgo"
)

// Header keys, in the order every produced record carries them.
const (
	headerSource = "source"
	headerStream = "stream"
	headerVendor = "vendor"
)

// streamPartitioner sends every record of a stream to one partition of its
// topic, chosen by a hash of source and stream. Keys are record ids, so
// the default key hash would scatter a stream over all partitions and a
// consumer could no longer read it in order.
//
// It is a consistent partitioner: franz-go never moves a record to another
// partition because its own is briefly unavailable, which would break the
// order too. Adding partitions to a topic moves streams, so records from
// before and after the change may be read out of order.
func streamPartitioner() kgo.Partitioner {
	return kgo.BasicConsistentPartitioner(func(string) func(*kgo.Record, int) int {
		return func(r *kgo.Record, n int) int { return int(streamHash(r) % uint32(n)) }
	})
}

// streamHash is FNV-1a over the source header, a zero byte and the stream
// header: stable across processes and versions, so a stream keeps its
// partition after a restart. It allocates nothing, once per record.
func streamHash(r *kgo.Record) uint32 {
	const offset32, prime32 = 2166136261, 16777619
	h := uint32(offset32)
	add := func(b []byte) {
		for _, c := range b {
			h = (h ^ uint32(c)) * prime32
		}
	}
	for i, key := range []string{headerSource, headerStream} {
		if i > 0 {
			h = (h ^ 0) * prime32
		}
		for _, hd := range r.Headers {
			if hd.Key == key {
				add(hd.Value)
				break
			}
		}
	}
	return h
}
