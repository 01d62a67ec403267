package normalize

import (
	"bytes"
	"time"
)

// Forcepoint value formats, for every schema.

// forcepointTime parses Forcepoint's "%d %b %Y %H:%M:%S" (UTC) into epoch
// milliseconds.
func forcepointTime(v []byte) (int64, bool) {
	t, err := time.Parse("02 Jan 2006 15:04:05", string(v))
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// place is a Forcepoint location, "City||Region||RegionCode||CC", in the
// form schemas want: region as the subdivision code where there is one
// (else its name), country only as an ISO 3166-1 alpha-2 code.
type place struct{ city, region, regionName, regionCode, country []byte }

func parsePlace(v []byte) place {
	var parts [4][]byte
	for i := range parts {
		parts[i], v, _ = bytes.Cut(v, []byte("||"))
	}
	p := place{city: parts[0], regionName: parts[1], regionCode: parts[2], region: parts[2]}
	if len(p.region) == 0 {
		p.region = parts[1]
	}
	if isCountryCode(parts[3]) {
		p.country = parts[3]
	}
	return p
}

// isCountryCode reports an ISO 3166-1 alpha-2 shape: two capital letters.
func isCountryCode(v []byte) bool {
	return len(v) == 2 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z'
}

// fileOp is what a word of an activity field says was done to a file in a
// cloud application ("Uploaded", "Cloudstorage, Uploaded", "Edit"), or, for
// a search, to the application.
type fileOp uint8

const (
	fileNone fileOp = iota
	fileUpload
	fileDownload
	fileDelete
	fileRename
	fileMove
	fileUnshare
	fileShare
	fileEdit
	filePreview
	fileAccess
	fileSearch
)

// fileOpStems map stems of activity words to operations, first match wins
// ("unshar" before "shar").
var fileOpStems = []struct {
	stem string
	op   fileOp
}{
	{"upload", fileUpload}, {"download", fileDownload}, {"delet", fileDelete}, {"renam", fileRename},
	{"move", fileMove}, {"unshar", fileUnshare}, {"shar", fileShare}, {"edit", fileEdit}, {"modif", fileEdit},
	{"preview", filePreview}, {"view", filePreview}, {"access", fileAccess}, {"search", fileSearch},
}

func fileOpOf(v []byte) fileOp {
	for _, s := range fileOpStems {
		if containsFold(v, s.stem) {
			return s.op
		}
	}
	return fileNone
}
