package symantec

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
)

// Hour is one complete hour of access logs the list API offers.
type Hour struct {
	Start time.Time
	Size  int64 // bytes, when the API says
}

// listPage is the list API's answer (shape from SEKOIA's client: items[].date
// is the hour id in epoch milliseconds).
type listPage struct {
	Items []struct {
		Date json.Number `json:"date"`
		Size json.Number `json:"size"`
	} `json:"items"`
}

// ListHours lists the complete hours in [from, to), in order.
func (c *Client) ListHours(ctx context.Context, from, to time.Time) ([]Hour, error) {
	const limit = 1000
	var hours []Hour
	for start := 0; ; start += limit {
		q := url.Values{"type": {"hour"}, "startDate": {ms(hourOf(from))}, "endDate": {ms(to)},
			"start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(limit)}, "api": {""}}
		var page *listPage
		err := c.withRetries(ctx, func(ctx context.Context) (err error) {
			page, err = c.listPage(ctx, q)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			h, err := toHour(it.Date, it.Size)
			if err != nil {
				return nil, err
			}
			if !h.Start.Before(hourOf(from)) && h.Start.Before(to) {
				hours = append(hours, h)
			}
		}
		if len(page.Items) < limit {
			return hours, nil
		}
	}
}

func (c *Client) listPage(ctx context.Context, q url.Values) (*listPage, error) {
	resp, err := c.get(ctx, c.cfg.Paths.List, q, c.accessRole())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var page listPage
	body := io.LimitReader(resp.Body, 64<<20)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := dec.Decode(&page); err != nil {
		return nil, listError(err)
	}
	return &page, nil
}

func toHour(date, size json.Number) (Hour, error) {
	id, err := date.Int64()
	if err != nil || id%int64(time.Hour/time.Millisecond) != 0 {
		return Hour{}, fmt.Errorf("list response: %q is not an hour id (epoch milliseconds of a whole hour)", date)
	}
	n, _ := size.Int64()
	return Hour{Start: time.UnixMilli(id).UTC(), Size: n}, nil
}

// HourFile names the archive of an hour in a download folder.
func HourFile(dir string, h time.Time) string {
	return filepath.Join(dir, h.UTC().Format("2006-01-02T15")+".zip")
}

// verified is the marker written beside a downloaded hour once it reads
// through; a resumed download skips hours that have one.
type verified struct {
	Hour  time.Time `json:"hour"`
	Bytes int64     `json:"bytes"`
	Lines int64     `json:"lines"`
}

// HourVerified reports whether the hour's archive is downloaded and verified.
func HourVerified(dir string, h time.Time) bool {
	var v verified
	b, err := os.ReadFile(HourFile(dir, h) + ".ok")
	if err != nil || json.Unmarshal(b, &v) != nil {
		return false
	}
	st, err := os.Stat(HourFile(dir, h))
	return err == nil && st.Size() == v.Bytes
}

// DownloadHour fetches one hour's archive into dir: spooled, read through
// (every member and line, within the limits), then renamed into place with
// a marker. It returns the archive's size and data lines.
func (c *Client) DownloadHour(ctx context.Context, dir string, h time.Time) (int64, int64, error) {
	q := url.Values{"type": {"hour"}, "items": {ms(h)}, "api": {""}}
	var sp *spooled
	err := c.withRetries(ctx, func(ctx context.Context) (err error) {
		sp, err = c.fetchRaw(ctx, c.cfg.Paths.Download, q, c.accessRole())
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	defer sp.discard()
	lines, err := c.countLines(sp)
	if err != nil {
		return 0, 0, fmt.Errorf("hour %s: %w", h.Format(time.RFC3339), err)
	}
	if err := publish(sp, dir, h, lines); err != nil {
		return 0, 0, err
	}
	return sp.size, lines, nil
}

// countLines reads the archive through and counts data lines; any line or
// member that does not read is an error here: a download must be whole.
func (c *Client) countLines(sp *spooled) (int64, error) {
	var n, bad int64
	var first source.Quarantined
	conv := newConverter(c.cfg.Name, c.cfg.Limits, func(record.Record) error { n++; return nil },
		func(q source.Quarantined) error {
			if bad++; bad == 1 {
				first = q
			}
			return nil
		})
	if _, err := walkArchive(sp.file, sp.zipSize, c.cfg.Limits, conv); err != nil {
		return 0, err
	}
	if bad > 0 {
		return 0, fmt.Errorf("%d unreadable lines or members, first: %s: %s", bad, first.Context, first.Reason)
	}
	return n, nil
}

// publish moves the spooled archive into dir and writes its marker.
func publish(sp *spooled, dir string, h time.Time, lines int64) error {
	if err := sp.file.Sync(); err != nil {
		return fmt.Errorf("save hour: %w", err)
	}
	dst := HourFile(dir, h)
	if err := os.Rename(sp.file.Name(), dst); err != nil {
		return fmt.Errorf("save hour: %w (the spool folder and -o must be on one file system)", err)
	}
	sp.file.Close()
	sp.file = nil
	mark, _ := json.Marshal(verified{Hour: h, Bytes: sp.size, Lines: lines})
	if err := os.WriteFile(dst+".ok", mark, 0o640); err != nil {
		return fmt.Errorf("save hour marker: %w", err)
	}
	return nil
}

// listError tells a list answer cut short (retried) from one that is not
// the documented shape.
func listError(err error) error {
	if terr := httpx.TransportError(err); errclass.Reason(terr) != errclass.ReasonOther {
		return fmt.Errorf("read list response: %w", terr)
	}
	return errclass.WithReason(fmt.Errorf("malformed list response: %w", err), errclass.ReasonMalformed)
}

// maxThrottleWaits bounds how many 429s one ad-hoc call waits out.
const maxThrottleWaits = 10

// withRetries runs one call of an ad-hoc command (list, download) as a
// stream would: transient failures are retried with backoff, a 429 is
// waited out (the pacer already holds its Retry-After), a permanent error
// ends it.
func (c *Client) withRetries(ctx context.Context, fn func(context.Context) error) error {
	policy := retry.Policy{Attempts: c.cfg.MaxAttempts, Backoff: c.cfg.Backoff}
	for waits := 0; ; waits++ {
		err := retry.Do(ctx, policy, func(ctx context.Context, _ int) error { return fn(ctx) })
		until, throttled := errclass.ThrottledUntil(err)
		if !throttled || waits == maxThrottleWaits {
			return err
		}
		wait := until.Sub(c.cfg.Now())
		retry.Notify(ctx, retry.Attempt{N: waits + 1, Err: err, Wait: wait})
		if err := retry.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
