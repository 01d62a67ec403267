package symantec

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
)

// spooled is one archive response on disk.
type spooled struct {
	keep    bool // the file is not ours to remove (a downloaded hour)
	file    *os.File
	size    int64 // body bytes
	zipSize int64 // bytes before the sync trailer
	trailer archive.Trailer
}

// discard removes the spool file.
func (sp *spooled) discard() {
	if sp.file != nil {
		sp.file.Close()
		if !sp.keep {
			os.Remove(sp.file.Name())
		}
		sp.file = nil
	}
}

// fetchArchive fetches a sync archive and finds its trailer: an HTTP
// trailer, a response header, or, as the API documents it, the tail of the
// body after the ZIP bytes.
func (c *Client) fetchArchive(ctx context.Context, path string, q url.Values, r role) (*spooled, error) {
	sp, err := c.fetchRaw(ctx, path, q, r)
	if err != nil || sp.trailer.Status != "" {
		return sp, err
	}
	if sp.trailer, sp.zipSize, err = archive.FindTrailer(sp.file, sp.size); err != nil {
		sp.discard()
		return nil, errclass.WithReason(fmt.Errorf("archive from %s (%d bytes): %w", path, sp.size, err), errclass.ReasonMalformed)
	}
	return sp, nil
}

// fetchRaw streams a response body to a spool file, never into memory,
// and keeps a sync trailer sent as an HTTP trailer or header.
func (c *Client) fetchRaw(ctx context.Context, path string, q url.Values, r role) (*spooled, error) {
	resp, err := c.get(ctx, path, q, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(c.cfg.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	f, size, err := archive.Spool(resp.Body, c.cfg.SpoolDir, c.cfg.Limits.MaxSpoolBytes)
	if err != nil {
		return nil, fmt.Errorf("read archive from %s: %w", path, httpx.TransportError(err))
	}
	sp := &spooled{file: f, size: size, zipSize: size}
	sp.trailer, _ = trailerFromHTTP(resp) // trailers are complete once the body is read
	return sp, nil
}

// trailerFromHTTP reads X-sync-status/X-sync-token from real HTTP trailers
// (available once the body is read) or headers.
func trailerFromHTTP(resp *http.Response) (archive.Trailer, bool) {
	for _, h := range []http.Header{resp.Trailer, resp.Header} {
		if st := strings.TrimSpace(h.Get("X-Sync-Status")); st != "" {
			return archive.Trailer{Status: strings.ToLower(st), Token: strings.TrimSpace(h.Get("X-Sync-Token"))}, true
		}
	}
	return archive.Trailer{}, false
}
