package symantec

import (
	"os"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
)

// ArchiveIDs reads a downloaded hour archive and returns the record id of
// every line (for checking a download against the sync API).
func ArchiveIDs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var ids []string
	lim := archive.DefaultLimits()
	conv := newConverter("check", lim, func(r record.Record) error { ids = append(ids, r.ID); return nil }, func(source.Quarantined) error { return nil })
	_, err = walkArchive(f, st.Size(), lim, conv)
	return ids, err
}
