package stdout_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
	"github.com/gatelog/gatelog/internal/sink/stdout"
)

// Settings made by the Kind build a sink writing to Deps.Stdout.
func TestFactoryBuildsASink(t *testing.T) {
	s := stdout.Factory.Kind.New()
	s.SetDefaults(nil)
	var out bytes.Buffer
	w, err := stdout.Factory.New("pipe", s, sink.Deps{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	id := record.StreamID{Source: "src", Stream: "access"}
	recs, _ := sinktest.BenchBatch(id, 2)
	if _, err := w.Write(context.Background(), id, recs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, bad := sinktest.JSONLines(out.Bytes())
	if w.Name() != "pipe" || len(got) != 2 || len(bad) != 0 {
		t.Fatalf("sink %q wrote %d records, bad lines %q", w.Name(), len(got), bad)
	}
}
