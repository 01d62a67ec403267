package retry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
)

func TestBackoffStaysWithinItsCeiling(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	for attempt := range 40 {
		ceil := min(time.Second<<min(attempt, 20), time.Minute)
		for range 50 {
			d := b.Delay(attempt)
			if d < ceil/2 || d > ceil {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", attempt, d, ceil/2, ceil)
			}
		}
	}
}

var fast = Policy{Attempts: 4, Backoff: Backoff{Base: time.Millisecond, Max: time.Millisecond}}

func TestDoRetriesTransientFailuresAndReportsEach(t *testing.T) {
	var seen []Attempt
	ctx := WithObserver(context.Background(), func(a Attempt) { seen = append(seen, a) })
	calls := 0
	err := Do(ctx, fast, func(_ context.Context, n int) error {
		if n != calls {
			t.Errorf("attempt number %d on call %d", n, calls)
		}
		calls++
		if calls < 3 {
			return errclass.WithReason(errors.New("503 busy"), errclass.Reason503)
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err = %v after %d calls, want success on the third", err, calls)
	}
	if len(seen) != 2 || seen[0].N != 1 || seen[1].N != 2 || seen[0].Reason != "503" || seen[0].Wait <= 0 {
		t.Fatalf("observed %+v, want two retries labelled 503", seen)
	}
}

func TestDoGivesUpAfterAttemptsWithoutReportingTheLast(t *testing.T) {
	reports := 0
	ctx := WithObserver(context.Background(), func(Attempt) { reports++ })
	calls := 0
	err := Do(ctx, fast, func(context.Context, int) error { calls++; return errors.New("reset") })
	if err == nil || calls != 4 || reports != 3 {
		t.Fatalf("err=%v calls=%d reports=%d, want the last error after 4 calls and 3 reported retries", err, calls, reports)
	}
}

func TestDoStopsAtPermanentThrottledAndCancel(t *testing.T) {
	for name, fail := range map[string]error{
		"permanent": errclass.Permanentf("401"),
		"throttled": errclass.Throttled(errors.New("429"), time.Now().Add(time.Hour)),
	} {
		calls := 0
		err := Do(context.Background(), fast, func(context.Context, int) error { calls++; return fail })
		if calls != 1 || !errors.Is(err, fail) {
			t.Errorf("%s: %d calls, err %v; want one call and the error back", name, calls, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Do(ctx, Policy{Attempts: 10, Backoff: Backoff{Base: time.Hour, Max: time.Hour}}, func(context.Context, int) error {
		calls++
		cancel()
		return errors.New("503")
	})
	if calls != 1 || err == nil {
		t.Fatalf("cancelled: %d calls, err %v; want one call and its error", calls, err)
	}
}
