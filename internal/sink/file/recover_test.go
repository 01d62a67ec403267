package file

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/google/go-cmp/cmp"
)

func TestRecover(t *testing.T) {
	l1, l2, l3 := lines(rec("1", day(20, 1))), lines(rec("2", day(20, 2))), lines(rec("3", day(21, 1)))
	size := func(s ...string) int64 { return int64(len(strings.Join(s, ""))) }
	tests := []struct {
		name    string
		files   map[string]string // in the stream dir; nil: no dir
		pos     map[string]int64  // nil: no checkpoint
		want    map[string]string
		wantErr string // substring; "" for success
	}{{
		name:  "no checkpoint, no dir",
		files: nil,
		want:  map[string]string{},
	}, {
		name:  "no checkpoint keeps whole lines and drops a torn last line",
		files: map[string]string{"2026-11-20.jsonl": l1 + l2 + `{"time":"20`, "2026-11-21.jsonl": l3, "notes.txt": "x"},
		want:  map[string]string{"2026-11-20.jsonl": l1 + l2, "2026-11-21.jsonl": l3, "notes.txt": "x"},
	}, {
		name:  "no checkpoint, file holding only a torn line becomes empty",
		files: map[string]string{"2026-11-20.jsonl": `{"ti`},
		want:  map[string]string{"2026-11-20.jsonl": ""},
	}, {
		name:  "checkpoint cuts bytes written after it",
		files: map[string]string{"2026-11-20.jsonl": l1 + l2 + `{"torn`, "2026-11-21.jsonl": l3},
		pos:   map[string]int64{"2026-11-20.jsonl": size(l1), "2026-11-21.jsonl": size(l3)},
		want:  map[string]string{"2026-11-20.jsonl": l1, "2026-11-21.jsonl": l3},
	}, {
		name:  "checkpoint removes files created after it and ignores other files",
		files: map[string]string{"2026-11-20.jsonl": l1, "2026-11-21.jsonl": l3, "notes.txt": "x"},
		pos:   map[string]int64{"2026-11-20.jsonl": size(l1)},
		want:  map[string]string{"2026-11-20.jsonl": l1, "notes.txt": "x"},
	}, {
		name:  "checkpointed file removed for retention is forgotten",
		files: map[string]string{"2026-11-21.jsonl": l3},
		pos:   map[string]int64{"2026-11-20.jsonl": size(l1), "2026-11-21.jsonl": size(l3)},
		want:  map[string]string{"2026-11-21.jsonl": l3},
	}, {
		name:  "checkpoint with no dir",
		files: nil,
		pos:   map[string]int64{"2026-11-20.jsonl": size(l1)},
		want:  map[string]string{},
	}, {
		name:    "file shorter than checkpoint is an error and nothing changes",
		files:   map[string]string{"2026-11-20.jsonl": l1, "2026-11-21.jsonl": l3 + "extra"},
		pos:     map[string]int64{"2026-11-20.jsonl": size(l1, l2), "2026-11-21.jsonl": size(l3)},
		want:    map[string]string{"2026-11-20.jsonl": l1, "2026-11-21.jsonl": l3 + "extra"},
		wantErr: "2026-11-20.jsonl",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sdir := filepath.Join(dir, testID.Source, testID.Stream)
			writeFiles(t, sdir, tt.files)
			var pos []byte
			if tt.pos != nil {
				pos = encodeSizes(t, tt.pos)
			}
			s := newSink(t, dir)
			err := s.Recover(context.Background(), testID, pos)
			checkErr(t, err, tt.wantErr)
			if diff := cmp.Diff(tt.want, dirFiles(t, sdir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if err == nil {
				checkPositionMatchesDisk(t, s, sdir)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("Recover: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("Recover: %v, want an error naming %q", err, want)
	case want != "" && !errclass.IsPermanent(err):
		t.Fatalf("Recover: %v is not permanent", err)
	}
}

// checkPositionMatchesDisk asserts that the position after Recover (from an
// empty Write) describes exactly the .jsonl files left on disk.
func checkPositionMatchesDisk(t *testing.T, s *Sink, sdir string) {
	t.Helper()
	pos := write(t, s)
	got, err := decodePosition(pos)
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := listDayFiles(sdir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(onDisk, got); diff != "" {
		t.Errorf("position vs disk (-disk +pos):\n%s", diff)
	}
}

// A crash after writes that were never checkpointed, including a torn line
// and a new day file: recovery plus redelivery stores every record once.
func TestRecoverThenRedeliverExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	b1 := []record.Record{rec("1", day(20, 1)), rec("2", day(21, 1))}
	b2 := []record.Record{rec("3", day(21, 2)), rec("4", day(22, 1))}
	b3 := []record.Record{rec("5", day(22, 2)), rec("6", day(23, 1))}

	s := recovered(t, dir, nil)
	pos1 := write(t, s, b1...)
	write(t, s, b2...) // written, but the checkpoint never got pos2
	_ = s.Close()
	sdir := filepath.Join(dir, testID.Source, testID.Stream)
	appendFile(t, filepath.Join(sdir, "2026-11-22.jsonl"), lines(b3[0])[:20]) // torn
	appendFile(t, filepath.Join(sdir, "2026-11-23.jsonl"), lines(b3[1]))

	s = recovered(t, dir, pos1)
	write(t, s, b2...)
	write(t, s, b3...)
	want := map[string]string{
		"2026-11-20.jsonl": lines(b1[0]),
		"2026-11-21.jsonl": lines(b1[1], b2[0]),
		"2026-11-22.jsonl": lines(b2[1], b3[0]),
		"2026-11-23.jsonl": lines(b3[1]),
	}
	if diff := cmp.Diff(want, dirFiles(t, sdir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if files == nil {
		return
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

func appendFile(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

// dirFiles returns the regular files of one directory but its lock file; a
// missing one has none.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if e.Name() == lockName {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

func encodeSizes(t *testing.T, sizes map[string]int64) []byte {
	t.Helper()
	b, err := json.Marshal(position{V: positionVersion, Files: sizes})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
