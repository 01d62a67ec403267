package sink

import "context"

// fenceKey is the context key of a stream's fence.
type fenceKey struct{}

// WithFence returns ctx carrying fence: a check that the writer still owns
// the stream it writes (the pipeline's checks with the state store that
// the lease generation it writes with is current and unexpired). The
// pipeline passes such a context to Recover and Write.
func WithFence(ctx context.Context, fence func(context.Context) error) context.Context {
	return context.WithValue(ctx, fenceKey{}, fence)
}

// Fence runs ctx's fence: nil when the writer still owns the stream, or
// when ctx carries no fence. An error wrapping state.ErrFenced means the
// stream passed to another owner: the sink must not write, and should
// return that error (retrying cannot help; the pipeline stops the stream).
// Any other error is a failure to check (the store unreachable), which the
// sink returns like any retryable failure.
//
// A sink that can exclude concurrent writers of one stream's destination
// (the file sink's lock) calls Fence while holding that exclusion, just
// before it writes.
func Fence(ctx context.Context) error {
	if f, ok := ctx.Value(fenceKey{}).(func(context.Context) error); ok && f != nil {
		return f(ctx)
	}
	return nil
}
