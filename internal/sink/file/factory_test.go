package file_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/sinktest"
)

// Settings made by the Kind and defaulted build a sink writing under the
// default folder (here made relative to a temporary working directory).
func TestFactoryBuildsASink(t *testing.T) {
	t.Chdir(t.TempDir())
	s := file.Factory.Kind.New()
	s.SetDefaults(nil)
	if key, dir := s.(config.Folder).Folder(); key != "path" || dir != config.DefaultLogDir {
		t.Fatalf("Folder() = %q, %q", key, dir)
	}
	fs, err := file.Factory.New("archive", s, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	id := record.StreamID{Source: "src", Stream: "access"}
	ctx := context.Background()
	if err := fs.Recover(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	recs, _ := sinktest.BenchBatch(id, 2)
	if _, err := fs.Write(ctx, id, recs); err != nil {
		t.Fatal(err)
	}
	days, _ := filepath.Glob(filepath.Join(config.DefaultLogDir, "src", "access", "*.jsonl"))
	if fs.Name() != "archive" || len(days) == 0 {
		t.Fatalf("sink %q wrote %v", fs.Name(), days)
	}
}
