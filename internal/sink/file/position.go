package file

import (
	"encoding/json"
	"fmt"
	"strings"
)

// positionVersion lets a later gatelog read positions written by this one.
const positionVersion = 1

// position is what Write returns and Recover reads: the size of every day
// file of the stream after the write. Sizes, not record ids, because cutting
// a file to a size is all recovery needs and stays O(files), not O(records).
type position struct {
	V     int              `json:"v"`
	Files map[string]int64 `json:"files"`
}

// position encodes the current sizes. encoding/json sorts map keys, so equal
// states give equal bytes.
func (st *stream) position() ([]byte, error) {
	b, err := json.Marshal(position{V: positionVersion, Files: st.sizes})
	if err != nil {
		return nil, fmt.Errorf("encode position: %w", err)
	}
	return b, nil
}

// decodePosition parses a position, rejecting one that names a file outside
// the stream directory or a negative size, so that a corrupt checkpoint can
// never direct recovery at the wrong bytes.
func decodePosition(b []byte) (map[string]int64, error) {
	var p position
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode position: %w", err)
	}
	if p.V != positionVersion {
		return nil, fmt.Errorf("decode position: version %d, want %d", p.V, positionVersion)
	}
	for name, size := range p.Files {
		if !strings.HasSuffix(name, ".jsonl") || strings.ContainsAny(name, "/\\\x00") || size < 0 {
			return nil, fmt.Errorf("decode position: bad entry %q: %d", name, size)
		}
	}
	if p.Files == nil {
		p.Files = map[string]int64{}
	}
	return p.Files, nil
}
