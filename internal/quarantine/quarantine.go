// Package quarantine keeps vendor data that could not be parsed, with the
// context needed to find it again, so that bad input is never dropped
// silently and never stops a stream.
package quarantine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gatelog/gatelog/internal/record"
)

// Item is a piece of vendor data that failed to parse (or a record a
// destination refused), with what is needed to find it again.
type Item struct {
	Reason  string // why it was rejected, e.g. "time \"32 Foo 2026\" does not parse"
	Context string // where it came from, e.g. "page 12, data[3]" or "member x.gz line 88"
	Raw     []byte // the data as received
}

// Writer appends quarantined items to <dir>/<source>/<stream>.jsonl.
type Writer struct {
	dir string
	mu  sync.Mutex
}

// New returns a writer under dir; nothing is created until the first item.
func New(dir string) *Writer { return &Writer{dir: dir} }

// Dir is where quarantined items are kept.
func (w *Writer) Dir() string { return w.dir }

type entry struct {
	Time      time.Time `json:"time"`
	Source    string    `json:"source"`
	Stream    string    `json:"stream"`
	Reason    string    `json:"reason"`
	Context   string    `json:"context"`
	Raw       string    `json:"raw,omitempty"`
	RawBase64 []byte    `json:"raw_base64,omitempty"` // raw bytes that are not UTF-8
}

// Write appends items durably (fsync) before the batch they came with is
// committed, so that a crash cannot lose them either.
func (w *Writer) Write(id record.StreamID, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	path := filepath.Join(w.dir, id.Source, id.Stream+".jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	defer f.Close()
	var buf []byte
	for _, it := range items {
		e := entry{Time: time.Now().UTC(), Source: id.Source, Stream: id.Stream, Reason: it.Reason, Context: it.Context}
		if utf8.Valid(it.Raw) {
			e.Raw = string(it.Raw)
		} else {
			e.RawBase64 = it.Raw
		}
		line, _ := json.Marshal(e) // strings and bytes always marshal
		buf = append(append(buf, line...), '\n')
	}
	if _, err := f.Write(buf); err != nil {
		return fmt.Errorf("quarantine %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("quarantine %s: %w", path, err)
	}
	return nil
}
