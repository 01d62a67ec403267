package s3

import (
	"testing"

	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// TestConformance runs the suite against gofakes3. The Reader lists the
// stream's objects in key order and reads them through the S3 API,
// checking each against its manifest. Failures are S3 answers to the next
// upload: 503 SlowDown on every attempt minio-go makes (transient), 403
// AccessDenied (permanent).
func TestConformance(t *testing.T) {
	var st *store // of the latest New
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sink.Sink, sinktest.Reader) {
			st = newStore(t)
			s, err := New(st.config())
			if err != nil {
				t.Fatal(err)
			}
			return s, st.readStream
		},
		FailNext: func(t *testing.T, kind sinktest.FailKind) {
			if kind == sinktest.Permanent {
				st.fail(accessDenied, 1)
				return
			}
			st.fail(slowDown, requestAttempts)
		},
		Secret:      testSecret,
		AtLeastOnce: true,
	})
}
