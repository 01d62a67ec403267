package archive

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseTrailer: any bytes parse or fail with ErrTrailer, never panic; a
// parse yields a known status and a usable token. The same bytes as a whole
// body go through FindTrailer, whose ZIP size must stay inside the body.
func FuzzParseTrailer(f *testing.F) {
	f.Add([]byte("X-sync-token: none\r\nX-sync-status: done\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseTrailer(b)
		checkTrailer(t, tr, err)
		tr, zipSize, err := FindTrailer(bytes.NewReader(b), int64(len(b)))
		checkTrailer(t, tr, err)
		if zipSize < 0 || zipSize > int64(len(b)) {
			t.Fatalf("zipSize %d outside a %d-byte body", zipSize, len(b))
		}
	})
}

func checkTrailer(t *testing.T, tr Trailer, err error) {
	if err != nil {
		if !errors.Is(err, ErrTrailer) {
			t.Fatalf("unclassified error %v", err)
		}
		return
	}
	if tr.Status != StatusMore && tr.Status != StatusDone && tr.Status != StatusAbort {
		t.Fatalf("status %q", tr.Status)
	}
	if !validToken(tr.Token) {
		t.Fatalf("token %q", tr.Token)
	}
}

// FuzzWalk: arbitrary bytes as a ZIP never panic, never break a limit, and
// fail only with ErrNotZip or ErrLimit; bad members end up in Stats.Broken.
func FuzzWalk(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	lim := Limits{MaxMembers: 16, MaxUncompressed: 1 << 20, MaxLineBytes: 64, MaxRatio: 200}
	f.Fuzz(func(t *testing.T, b []byte) {
		var lines int64
		last := map[string]int{}
		st, err := Walk(bytes.NewReader(b), int64(len(b)), lim, func(l Line) error {
			lines++
			if len(l.Bytes) > lim.MaxLineBytes || (l.TooLong && len(l.Bytes) != lim.MaxLineBytes) {
				t.Fatalf("line of %d bytes, TooLong %v", len(l.Bytes), l.TooLong)
			}
			if l.Number <= last[l.Member] && l.Number != 1 {
				t.Fatalf("member %q: line %d after %d", l.Member, l.Number, last[l.Member])
			}
			last[l.Member] = l.Number
			return nil
		})
		if err != nil && !errors.Is(err, ErrNotZip) && !errors.Is(err, ErrLimit) {
			t.Fatalf("unclassified error %v", err)
		}
		if st.Members+st.Skipped > lim.MaxMembers || st.Uncompressed > lim.MaxUncompressed || st.Lines != lines {
			t.Fatalf("limits broken: %+v, %d lines delivered", st, lines)
		}
	})
}
