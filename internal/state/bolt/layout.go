package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"go.etcd.io/bbolt"

	"github.com/gatelog/gatelog/internal/record"
)

// The file holds one top-level bucket per concern, so that Reset can drop a
// checkpoint without touching the budget, plus a meta bucket with the schema.
var (
	bucketMeta        = []byte("meta")
	bucketCheckpoints = []byte("checkpoints")
	bucketBudgets     = []byte("budgets")
	bucketLeases      = []byte("leases")
	// bucketSeen holds one nested bucket per stream (named by streamKey)
	// whose keys are seenKey(mark) and whose values are empty.
	bucketSeen = []byte("seen")

	keySchema = []byte("schema_version")
)

// schemaVersion is the layout this code reads and writes. Bump it with a
// migration when keys or values change shape; an older gatelog then refuses
// the file instead of misreading it.
//
// Adding a bucket is not such a change: the seen bucket came later than
// version 1 but left every existing key and value as it was. Code that
// predates it never looks at it, and this code creates it whenever it opens
// a file for writing (readers treat it as empty when absent).
const schemaVersion = 1

// checkSchema creates the layout in a new file and refuses files written by
// a newer gatelog or by something that is not gatelog.
func checkSchema(db *bbolt.DB, readOnly bool) error {
	if readOnly {
		return db.View(func(tx *bbolt.Tx) error { return readSchema(tx) })
	}
	return db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			if err := initLayout(tx); err != nil {
				return err
			}
		}
		if err := readSchema(tx); err != nil {
			return err
		}
		// A version 1 file written before seen marks existed lacks the bucket.
		if _, err := tx.CreateBucketIfNotExists(bucketSeen); err != nil {
			return err
		}
		return dropDeadLeases(tx)
	})
}

// dropDeadLeases clears every lease's holder when the store is opened for
// writing. bbolt's exclusive file lock is held by one live process at a
// time, so any lease found now was left by a process that died (kill -9,
// power loss); honouring it until it expired would stop a restarted gatelog
// for no reason. Each lease's generation is kept, so that it never goes
// back (a lease from before generations, which had none, is dropped whole).
func dropDeadLeases(tx *bbolt.Tx) error {
	b := tx.Bucket(bucketLeases)
	if b == nil {
		_, err := tx.CreateBucket(bucketLeases)
		return err
	}
	type kept struct {
		key []byte
		gen uint64
	}
	var all []kept
	if err := b.ForEach(func(k, v []byte) error {
		var l lease
		_ = decode(v, &l) // a value that does not decode is dropped, as before generations
		all = append(all, kept{key: bytes.Clone(k), gen: l.Generation})
		return nil
	}); err != nil {
		return err
	}
	for _, k := range all {
		var err error
		if k.gen == 0 {
			err = b.Delete(k.key)
		} else {
			var raw []byte
			if raw, err = json.Marshal(lease{Generation: k.gen}); err == nil {
				err = b.Put(k.key, raw)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// initLayout writes the schema and buckets into a file that has none. A
// bbolt file holding other buckets is someone else's: leave it alone.
func initLayout(tx *bbolt.Tx) error {
	if err := tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
		return fmt.Errorf("not a gatelog state store (it holds bucket %q and no schema version)", name)
	}); err != nil {
		return err
	}
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(keySchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
		return err
	}
	for _, name := range [][]byte{bucketCheckpoints, bucketBudgets, bucketLeases, bucketSeen} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// readSchema accepts only the version this code understands.
func readSchema(tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("not a gatelog state store (no schema version)")
	}
	raw := meta.Get(keySchema)
	v, err := strconv.Atoi(string(raw))
	switch {
	case err != nil || v < 1:
		return fmt.Errorf("not a gatelog state store (schema version %q)", raw)
	case v > schemaVersion:
		return fmt.Errorf("schema version %d is newer than this gatelog understands (%d): upgrade gatelog", v, schemaVersion)
	}
	return nil
}

// streamKey encodes id as "<len(source)>:<source>/<stream>". The length
// prefix makes the encoding injective even when names contain "/" (so
// "a/b"+"c" and "a"+"b/c" differ) while staying readable in `bbolt` tools.
func streamKey(id record.StreamID) []byte {
	return []byte(strconv.Itoa(len(id.Source)) + ":" + id.Source + "/" + id.Stream)
}

// parseStreamKey inverts streamKey.
func parseStreamKey(k []byte) (record.StreamID, error) {
	bad := fmt.Errorf("malformed stream key %q", k)
	prefix, rest, found := bytes.Cut(k, []byte(":"))
	if !found {
		return record.StreamID{}, bad
	}
	n, err := strconv.Atoi(string(prefix))
	if err != nil || n < 0 || n >= len(rest) || rest[n] != '/' {
		return record.StreamID{}, bad
	}
	return record.StreamID{Source: string(rest[:n]), Stream: string(rest[n+1:])}, nil
}

// getJSON decodes the value at key into v; ok is false when there is none.
// A missing bucket reads as empty, which only a read-only open can meet.
func getJSON(tx *bbolt.Tx, bucket []byte, id record.StreamID, v any) (ok bool, err error) {
	b := tx.Bucket(bucket)
	if b == nil {
		return false, nil
	}
	raw := b.Get(streamKey(id))
	if raw == nil {
		return false, nil
	}
	if err := decode(raw, v); err != nil {
		return false, fmt.Errorf("%s %s: %w", bucket, id, err)
	}
	return true, nil
}

// decode unmarshals one stored value. The copy json makes matters: bbolt's
// bytes are only valid inside the transaction.
func decode(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode stored value: %w", err)
	}
	return nil
}

// putJSON stores v at key. Open created the bucket in every writable store.
func putJSON(tx *bbolt.Tx, bucket []byte, id record.StreamID, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s value: %w", bucket, err)
	}
	return tx.Bucket(bucket).Put(streamKey(id), raw)
}

// del removes key from bucket; a missing key is not an error.
func del(tx *bbolt.Tx, bucket []byte, id record.StreamID) error {
	return tx.Bucket(bucket).Delete(streamKey(id))
}
