package record

import "context"

type streamKey struct{}

// ContextWithStream marks ctx as working for stream id, so that what runs
// under it (the HTTP client's metrics and tracing) can say which stream a
// request served.
func ContextWithStream(ctx context.Context, id StreamID) context.Context {
	return context.WithValue(ctx, streamKey{}, id)
}

// StreamFromContext returns the stream ctx works for, if any.
func StreamFromContext(ctx context.Context) (StreamID, bool) {
	id, ok := ctx.Value(streamKey{}).(StreamID)
	return id, ok
}
