// Package latency delays the simulators' answers, as a distant vendor API
// would. (The simulators share nothing with gatelog's own HTTP client, so
// that a bug there cannot hide in both.)
package latency

import (
	"net/http"
	"time"
)

// Wait sleeps d before r is answered; false if the client gave up first.
func Wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
