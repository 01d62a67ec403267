package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
)

// Seen marks live in bucketSeen/<streamKey>, one key per mark:
//
//	8 bytes  big-endian Unix hour of the mark's Time (UTC, floored)
//	n bytes  the mark's ID
//
// with an empty value. Keys sort by hour first, so pruning walks from the
// start of the bucket and stops at the first hour it keeps.

// seenHour is the Unix hour (UTC) a mark with time t is filed under; ok is
// false before 1970, where no mark can be stored.
func seenHour(t time.Time) (hour uint64, ok bool) {
	sec := t.Unix()
	if sec < 0 {
		return 0, false
	}
	return uint64(sec / 3600), true
}

// appendSeenKey appends the key of the mark (hour, id) to dst.
func appendSeenKey(dst []byte, hour uint64, id string) []byte {
	dst = binary.BigEndian.AppendUint64(dst, hour)
	return append(dst, id...)
}

// seenKeys encodes marks into one backing array (bbolt keeps the key slices
// until the transaction ends, so each key needs its own bytes), sorted so
// that the puts walk the tree in order.
func seenKeys(marks []state.SeenID) ([][]byte, error) {
	size := 0
	for _, m := range marks {
		size += 8 + len(m.ID)
	}
	arena := make([]byte, 0, size)
	keys := make([][]byte, len(marks))
	for i, m := range marks {
		hour, ok := seenHour(m.Time)
		if !ok {
			return nil, fmt.Errorf("seen mark %.64q: time %s is before 1970 and cannot be stored", m.ID, m.Time.UTC().Format(time.RFC3339))
		}
		start := len(arena)
		arena = appendSeenKey(arena, hour, m.ID)
		keys[i] = arena[start:len(arena):len(arena)]
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys, nil
}

// streamSeen returns the stream's mark bucket, nil when it has none (or when
// a read-only store predates the seen bucket).
func streamSeen(tx *bbolt.Tx, id record.StreamID) *bbolt.Bucket {
	seen := tx.Bucket(bucketSeen)
	if seen == nil {
		return nil
	}
	return seen.Bucket(streamKey(id))
}

// putSeen adds the marks; run inside Commit's transaction. It encodes every
// mark before writing any, but any failure (a bad time, a key bbolt refuses)
// fails the whole transaction anyway, checkpoint included.
func putSeen(tx *bbolt.Tx, id record.StreamID, marks []state.SeenID) error {
	if len(marks) == 0 {
		return nil
	}
	keys, err := seenKeys(marks)
	if err != nil {
		return err
	}
	b, err := tx.Bucket(bucketSeen).CreateBucketIfNotExists(streamKey(id))
	if err != nil {
		return fmt.Errorf("seen marks: %w", err)
	}
	for _, k := range keys {
		if err := b.Put(k, nil); err != nil {
			return fmt.Errorf("seen mark %.64q: %w", k[8:], err)
		}
	}
	return nil
}

// pruneSeen deletes the stream's marks filed under an hour before the hour
// of before; a zero before keeps them all. Run inside Commit's transaction.
//
// After each Delete the cursor seeks again rather than calling Next: once a
// leaf is materialised as a node (as the puts of the same transaction do),
// Delete shifts the node's elements under the cursor and Next would skip
// the key after the deleted one. Seek lands on the next remaining key at
// the cost of one descent from the root.
func pruneSeen(tx *bbolt.Tx, id record.StreamID, before time.Time) error {
	if before.IsZero() {
		return nil
	}
	hour, ok := seenHour(before)
	if !ok {
		return nil // every stored mark is from 1970 or later
	}
	b := streamSeen(tx, id)
	if b == nil {
		return nil
	}
	cutoff := appendSeenKey(nil, hour, "")
	c := b.Cursor()
	var last []byte
	for k, _ := c.First(); k != nil && bytes.Compare(k, cutoff) < 0; k, _ = c.Seek(last) {
		last = append(last[:0], k...)
		if err := c.Delete(); err != nil {
			return fmt.Errorf("prune seen marks: %w", err)
		}
	}
	return nil
}

// deleteSeen drops all of the stream's marks (Reset).
func deleteSeen(tx *bbolt.Tx, id record.StreamID) error {
	seen := tx.Bucket(bucketSeen)
	if seen == nil {
		return nil
	}
	if err := seen.DeleteBucket(streamKey(id)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}

// Seen reports, from one read transaction, whether each key's hour and id
// carry a mark. A key before 1970 is never seen.
func (s *Store) Seen(id record.StreamID, keys []state.SeenID) ([]bool, error) {
	out := make([]bool, len(keys))
	err := s.view("read seen marks", id, func(tx *bbolt.Tx) error {
		b := streamSeen(tx, id)
		if b == nil {
			return nil
		}
		// Seek rather than Get: an empty value cannot be told from a
		// missing key by Get alone.
		c := b.Cursor()
		var k []byte
		for i, m := range keys {
			hour, ok := seenHour(m.Time)
			if !ok {
				continue
			}
			k = appendSeenKey(k[:0], hour, m.ID)
			got, _ := c.Seek(k)
			out[i] = bytes.Equal(got, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectSeen sets SeenMarks for every stream with marks. The count comes
// from bbolt's bucket statistics, which read the header (and element
// headers) of each of the stream's pages but decode no key: about 10ms per
// million marks, measured; cheap enough for `state show`.
func collectSeen(tx *bbolt.Tx, entries map[record.StreamID]*state.Entry) error {
	seen := tx.Bucket(bucketSeen)
	if seen == nil {
		return nil
	}
	return seen.ForEachBucket(func(k []byte) error {
		n := seen.Bucket(k).Stats().KeyN
		if n == 0 {
			return nil
		}
		id, err := parseStreamKey(k)
		if err != nil {
			return fmt.Errorf("%s: %w", bucketSeen, err)
		}
		e := entries[id]
		if e == nil {
			e = &state.Entry{ID: id}
			entries[id] = e
		}
		e.SeenMarks = n
		return nil
	})
}

// Marks lists the stream's seen marks (state.MarkLister), inside one read
// transaction: fn must not write to this store.
func (s *Store) Marks(id record.StreamID, fn func(state.SeenID) error) error {
	return s.view("list seen marks", id, func(tx *bbolt.Tx) error {
		b := streamSeen(tx, id)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			if len(k) < 8 {
				return fmt.Errorf("seen mark key of %d bytes", len(k))
			}
			hour := binary.BigEndian.Uint64(k[:8])
			return fn(state.SeenID{Time: time.Unix(int64(hour)*3600, 0).UTC(), ID: string(k[8:])})
		})
	})
}
