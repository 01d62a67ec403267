// Package s3 is the sink that stores records in Amazon S3 or an
// S3-compatible object store (MinIO, Ceph, Wasabi, R2...), as gzip'd JSON
// Lines, one object per stream, UTC hour and batch:
//
//	<prefix><source>/<stream>/YYYY/MM/DD/HH/<first record time>-<content hash>.jsonl.gz
//
// next to a manifest, <object key>.manifest.json, holding the object's
// record count, earliest and latest record time, SHA-256, source and
// stream. Each line is the envelope the file sink writes.
//
// Objects appear only complete: each is uploaded to its final key, in one
// PUT up to PartSize and as a multipart upload above it, which S3 makes
// visible only when it completes (tested against gofakes3). The manifest
// is written after its object, so a reader that waits for manifests never
// picks up an object a crash interrupted; Write returns nil only once
// every object and manifest of the batch is stored.
//
// Delivery is at-least-once. Keys are deterministic (first record time and
// a hash of the content), so a batch redelivered unchanged after a crash
// overwrites its own objects. A redelivery cut into different batches
// makes different objects, and the records in both are then stored twice;
// readers dedup by record id. Orphans of a crash (an object without its
// manifest) stay too; a multipart upload a crash interrupted is invisible
// but billed until a bucket lifecycle rule (AbortIncompleteMultipartUpload)
// removes it.
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
	name string
	cfg  Config
	cl   *minio.Client
	life *sink.Lifecycle
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
	s := &Sink{name: cfg.Name, cfg: cfg, life: sink.NewLifecycle()}
	if s.cl, err = cfg.client(); err != nil {
		return nil, errclass.Permanent(s.errorf("%w", err))
	}
	return s, nil
}

// Name returns the configured sink name.
func (s *Sink) Name() string { return s.name }

// Recover has nothing to roll back: objects of a batch whose checkpoint was
// not committed stay (see the package comment). It checks that the stream
// names can be key components.
func (s *Sink) Recover(ctx context.Context, id record.StreamID, _ []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.check("recover", id); err != nil {
		return err
	}
	return nil
}

// Write stores recs as one object and one manifest per UTC hour, in order,
// and returns nil once all are stored. The position is always nil.
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
	hours, groups := groupByHour(recs)
	for _, g := range groups {
		obj := e.build(s.cfg.Prefix, id, recs, hours, g)
		if err := s.store(ctx, id, obj); err != nil {
			// e is not pooled again: after a failure, minio-go's other
			// part uploads and net/http may still read its buffer.
			return nil, err
		}
	}
	encoders.Put(e)
	return nil, nil
}

// store uploads an object, then its manifest.
func (s *Sink) store(ctx context.Context, id record.StreamID, obj object) error {
	if len(obj.key)+len(manifestSuffix) > maxKey {
		return errclass.Permanent(s.errorf("write %s: key %q is longer than S3 allows (%d bytes): shorten the prefix, source or stream name", id, obj.key, maxKey))
	}
	if err := s.put(ctx, obj.key, obj.body, "application/gzip"); err != nil {
		return s.classify(ctx, id, obj.key, err)
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
