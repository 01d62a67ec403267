// Package s3 is the sink that stores records in Amazon S3 or an
// S3-compatible object store (MinIO, Ceph, Wasabi, R2...), in one of two
// formats (Config.Format).
//
// # JSON Lines (format: json, the default)
//
// gzip'd JSON Lines, one object per stream, UTC hour and batch:
//
//	<prefix><source>/<stream>/YYYY/MM/DD/HH/<first record time>-<content hash>.jsonl.gz
//
// next to a manifest, <object key>.manifest.json, holding the object's
// record count, earliest and latest record time, SHA-256, source and
// stream. Each line is what the file sink writes: the envelope, or the
// normalized event with schema ocsf or ecs. Within an object, records keep
// the batch's order.
//
// # Amazon Security Lake (format: parquet)
//
// OCSF events (the sink's schema must be ocsf: Config.Schemas) as Parquet,
// in the layout of Security Lake custom sources, one source per OCSF
// class:
//
//	<prefix>ext/<source name>/region=<region>/accountId=<account_id>/eventDay=<YYYYMMDD>/<first event time>-<content hash>.parquet
//
// The source name of a class is gatelog-<OCSF class name in kebab case>
// (gatelog-http-activity for class_uid 4002, gatelog-base-event for 0),
// or what source_names sets: [{class: 4002, name: my-http}]. Register
// each custom source in Security Lake under the name gatelog uses. (AWS
// keeps the name of the provider role, AmazonSecurityLake-Provider-<name>-
// <region>, within 64 characters by asking for source names of 20
// characters or fewer; the longer defaults need a source_names entry
// there.) eventDay is the UTC day of the event. An object holds events of
// one class and day, sorted by time; the Parquet schema is derived from
// the events of the object (see parquet.go: typed, nested columns, JSON
// text for free-form attributes such as unmapped), compressed with zstd,
// data pages version 1, row groups under 128 MiB.
//
// Class 0 (Base Event, what gatelog makes of a stream without a mapping)
// is a class like the others: gatelog-base-event. A record without an
// OCSF event, or whose event is not a JSON object with an integer
// class_uid, cannot be filed: it goes to the quarantine with the reason
// (Config.Quarantine) and the rest of the batch is stored; without a
// quarantine the batch fails permanently.
//
// Parquet objects have no manifest: Security Lake, Glue and Athena read
// every object under a source's location, so a manifest there would be
// read as data, and the role Security Lake gives a custom source may
// write under ext/<source>/ only. A Parquet file carries its row count and
// column statistics in its footer, which is written last.
//
// # Both formats
//
// Objects are bounded: at most max_object_records records and
// max_object_bytes bytes each (an object of one record may exceed the
// latter); a group larger than that is cut into several objects, in
// order, and one that exceeds max_object_bytes once encoded (a Parquet
// footer on few rows, incompressible gzip) is stored as two halves
// instead. One object's lines, rows and encoded bytes are in memory at a
// time.
//
// Objects appear only complete: each is uploaded to its final key, in one
// PUT up to PartSize and as a multipart upload above it, which S3 makes
// visible only when it completes (tested against gofakes3). A JSON
// object's manifest is written after it, so a reader that waits for
// manifests never picks up an object a crash interrupted; Write returns
// nil only once every object (and manifest) of the batch is stored.
//
// Delivery is at-least-once. Keys are deterministic (first record time and
// a hash of the content), so a batch redelivered unchanged after a crash
// overwrites its own objects. A redelivery cut into different batches
// makes different objects, and the records in both are then stored twice;
// readers dedup by record id (metadata.uid in OCSF). Orphans of a crash
// (an object without its manifest) stay too; a multipart upload a crash
// interrupted is invisible but billed until a bucket lifecycle rule
// (AbortIncompleteMultipartUpload) removes it. Recover has nothing to roll
// back.
package s3

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// maxKey is the longest object key S3 accepts, in bytes.
const maxKey = 1024

// Sink stores batches as objects. It is safe for concurrent use.
type Sink struct {
	name   string
	cfg    Config
	layout format
	cl     *minio.Client
	life   *sink.Lifecycle
}

var _ sink.Sink = (*Sink)(nil)

// New validates cfg and creates the client. It sends no request: an
// unreachable store must not stop gatelog from starting, and a missing
// bucket or a denied PUT shows in the first Write. Configuration errors
// are permanent.
func New(cfg Config) (*Sink, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sink{name: cfg.Name, cfg: cfg, layout: newFormat(cfg), life: sink.NewLifecycle()}
	if s.cl, err = cfg.client(); err != nil {
		return nil, errclass.Permanent(s.errorf("%w", err))
	}
	return s, nil
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.name }

// Recover has nothing to roll back: objects of a batch whose checkpoint was
// not committed stay (see the package comment). It checks that the stream
// names can be key components (they are not in Security Lake keys, but a
// sink's streams are named the same whatever its format).
func (s *Sink) Recover(ctx context.Context, id record.StreamID, _ []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.check("recover", id); err != nil {
		return err
	}
	return nil
}

// Write stores recs as objects (one or more per group: UTC hour, or OCSF
// class and day), in order, and returns nil once all are stored. Records
// the format cannot store go to the quarantine after that. The position
// is always nil.
func (s *Sink) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.check("write", id); err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeoutCause(ctx, time.Duration(s.cfg.Timeout), fmt.Errorf("timeout (%v)", time.Duration(s.cfg.Timeout)))
	defer cancel()
	e := encoders.Get().(*encoder)
	groups, rejects := e.group(&s.layout, recs)
	if len(rejects) > 0 && s.cfg.Quarantine == nil {
		encoders.Put(e)
		r := rejects[0]
		return nil, errclass.Permanent(s.errorf("write %s: record %q cannot be stored: %s (%d of the batch; configure a quarantine to keep such records and go on)",
			id, recs[r.i].ID, r.reason, len(rejects)))
	}
	for _, g := range groups {
		idx := e.members(&s.layout, recs, g)
		for len(idx) > 0 {
			n, err := s.writeNext(ctx, id, e, recs, idx, g.key)
			if err != nil {
				// e is not pooled again: after a failure, minio-go's other
				// part uploads and net/http may still read its buffers.
				return nil, err
			}
			idx = idx[n:]
		}
	}
	encoders.Put(e)
	for _, r := range rejects {
		if err := s.cfg.Quarantine(recs[r.i], r.reason); err != nil {
			return nil, s.errorf("write %s: quarantine record %q: %w", id, recs[r.i].ID, err)
		}
	}
	return nil, nil
}

// writeNext stores the next object of idx, the records of group key, and
// returns how many records it took. An object larger than MaxObjectBytes
// once encoded is stored as two halves instead (of one record: as is).
func (s *Sink) writeNext(ctx context.Context, id record.StreamID, e *encoder, recs []record.Record, idx []int, key groupKey) (int, error) {
	obj, err := e.build(&s.layout, id, recs, idx, key)
	if err != nil {
		return 0, errclass.Permanent(s.errorf("write %s: encode: %w", id, err))
	}
	if int64(len(obj.body)) <= s.cfg.MaxObjectBytes || obj.n == 1 {
		return obj.n, s.store(ctx, id, obj)
	}
	half := obj.n / 2
	for _, part := range [][]int{idx[:half], idx[half:obj.n]} {
		for len(part) > 0 {
			n, err := s.writeNext(ctx, id, e, recs, part, key)
			if err != nil {
				return 0, err
			}
			part = part[n:]
		}
	}
	return obj.n, nil
}

// store uploads an object, then its manifest if it has one.
func (s *Sink) store(ctx context.Context, id record.StreamID, obj object) error {
	keyLen := len(obj.key)
	if obj.manifest != nil {
		keyLen += len(manifestSuffix)
	}
	if keyLen > maxKey {
		return errclass.Permanent(s.errorf("write %s: key %q is longer than S3 allows (%d bytes): shorten the prefix, source or stream name", id, obj.key, maxKey))
	}
	if err := s.put(ctx, obj.key, obj.body, obj.contentType); err != nil {
		return s.classify(ctx, id, obj.key, err)
	}
	if obj.manifest == nil {
		return nil
	}
	key := obj.key + manifestSuffix
	if err := s.put(ctx, key, obj.manifest, "application/json"); err != nil {
		return s.classify(ctx, id, key, err)
	}
	return nil
}

// put uploads body to key. Content-MD5 lets the store reject a body (or a
// part) damaged on the way, over plain http too, and it is signed; the
// payload itself is then not signed, which spares the aws-chunked
// encoding some S3-compatible servers mishandle (gofakes3 stores the chunk
// framing of multipart parts).
func (s *Sink) put(ctx context.Context, key string, body []byte, contentType string) error {
	_, err := s.cl.PutObject(ctx, s.cfg.Bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{
		// Not Content-Encoding gzip: HTTP clients would decompress the
		// object on download, and the manifest's hash would not match.
		ContentType:          contentType,
		PartSize:             uint64(s.cfg.PartSize),
		SendContentMd5:       true,
		DisableContentSha256: true,
	})
	return err
}

// Close marks the sink closed; every Write already stored its objects, so
// there is nothing to flush. Close is idempotent.
func (s *Sink) Close() error {
	s.life.Close()
	return nil
}

// check refuses a closed sink, and stream names that are not one plain key
// component: they become key folders and must not climb out of the prefix.
func (s *Sink) check(op string, id record.StreamID) error {
	if s.life.Closed() {
		return s.errorf("%s %s: %w", op, id, sink.ErrClosed)
	}
	for _, n := range []struct{ what, name string }{{"source", id.Source}, {"stream", id.Stream}} {
		if n.name == "" || n.name == "." || n.name == ".." || strings.ContainsAny(n.name, "/\\") || strings.ContainsFunc(n.name, isControl) {
			return errclass.Permanent(s.errorf("%s name %q cannot be used in an object key", n.what, n.name))
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
