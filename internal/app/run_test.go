package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/record"
)

func TestOutcome(t *testing.T) {
	res := func(stream string, st pipeline.Status, stopped ...string) pipeline.Result {
		r := pipeline.Result{ID: record.StreamID{Source: "acme", Stream: stream}, Status: st, Stopped: stopped}
		if st == pipeline.Failed || st == pipeline.Deferred {
			r.Err = errors.New("x")
		}
		return r
	}
	for name, tc := range map[string]struct {
		results     []pipeline.Result
		code        int
		interrupted bool
		says        string
	}{
		"all done":         {[]pipeline.Result{res("a", pipeline.Done), res("b", pipeline.Done)}, 0, false, ""},
		"failed":           {[]pipeline.Result{res("a", pipeline.Done), res("b", pipeline.Failed)}, 1, false, "1 of 2 streams failed"},
		"stopped sink":     {[]pipeline.Result{res("a", pipeline.Done, "siem")}, 1, false, "1 of 1 streams failed"},
		"deferred":         {[]pipeline.Result{res("a", pipeline.Deferred), res("b", pipeline.Done)}, 3, false, "budget reset"},
		"failed first":     {[]pipeline.Result{res("a", pipeline.Deferred), res("b", pipeline.Failed)}, 1, false, "failed"},
		"interrupted":      {[]pipeline.Result{res("a", pipeline.Done), res("b", pipeline.Interrupted), res("c", pipeline.Interrupted)}, 130, true, "2 of 3 streams not caught up (acme/b, acme/c)"},
		"interrupted wins": {[]pipeline.Result{res("a", pipeline.Failed), res("b", pipeline.Interrupted)}, 130, true, "1 failed"},
	} {
		t.Run(name, func(t *testing.T) {
			err := Outcome(tc.results)
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("Outcome = %v, want nil", err)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != tc.code || ee.Interrupted != tc.interrupted || !strings.Contains(ee.Msg, tc.says) {
				t.Fatalf("Outcome = %#v, want code %d, interrupted %v, saying %q", err, tc.code, tc.interrupted, tc.says)
			}
		})
	}
}
