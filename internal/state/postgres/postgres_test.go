package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/statetest"
	"github.com/gatelog/gatelog/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openT opens a store on dsn and closes it when the test ends.
func openT(t testing.TB, dsn string, o Options) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, dsn, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		return openT(t, pgtest.Start(t), Options{})
	})
}
