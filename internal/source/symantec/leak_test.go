package symantec

import (
	"testing"

	"go.uber.org/goleak"
)

// No test of this package may leave a goroutine behind: a stream or runner
// that outlives its run holds files and connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
