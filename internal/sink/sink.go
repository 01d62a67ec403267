// Package sink defines where records go. Implementations live in
// sub-packages, one per destination.
package sink

import (
	"context"

	"github.com/gatelog/gatelog/internal/record"
)

// Sink durably stores batches of records for any number of streams.
//
// Delivery contract: Write returns nil only once the destination has durably
// accepted every record in the batch (the file sink: written and fsynced).
// The pipeline then commits the stream's checkpoint together with the
// position Write returned. After a crash the pipeline calls Recover with the
// last committed position before any Write for that stream; a sink that can
// (the file sink does) discards what it stored after that position, so the
// batches redelivered from the checkpoint are stored exactly once.
//
// Errors: wrap with errclass.Permanent what retrying cannot fix (bad
// configuration, rejected credentials); any other error makes the pipeline
// retry the same batch with backoff. An error never contains a credential.
//
// Memory: once Write returns, the sink holds nothing of recs, neither the
// records nor their Fields, which share the memory of the page or block
// they were read from: the source reuses it for a later batch, and a kept
// slice would pin a MB or more per stream (sinktest's KeepsNothing).
//
// Writes for one stream are never concurrent; writes for different streams
// may be. Close flushes and releases resources; it is idempotent.
type Sink interface {
	Name() string
	// Recover prepares the stream for writing, given the position committed
	// with its last checkpoint (nil when the stream has no checkpoint).
	Recover(ctx context.Context, id record.StreamID, pos []byte) error
	// Write stores recs (all of stream id, in order) and returns the position
	// to commit with the checkpoint. recs may be empty.
	Write(ctx context.Context, id record.StreamID, recs []record.Record) (pos []byte, err error)
	Close() error
}
