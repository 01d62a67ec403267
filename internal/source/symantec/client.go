// Package symantec pulls logs from the Symantec / Broadcom Cloud SWG (WSS)
// APIs: access logs through the token-paged sync API (a stream) and the list
// + download API (whole hours), the admin audit log, and locations. The API
// facts it follows are in shared/docs/symantec-cloud-swg-api.md.
package symantec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
)

// Vendor is the envelope's vendor value.
const Vendor = "symantec"

// Client speaks the Cloud SWG APIs for one source.
type Client struct {
	cfg  Config
	http *http.Client
	pace *pacer // every request of the source, all keys
}

// NewClient checks the base URL and returns a client. The http.Client
// carries TLS and transport settings (httpx.NewClient). Settings left zero
// (a Config built in code) get their defaults, but not from the environment.
func NewClient(cfg Config, hc *http.Client) (*Client, error) {
	if err := httpx.CheckURL(cfg.BaseURL, cfg.Insecure); err != nil {
		return nil, fmt.Errorf("source %s: base_url: %w", cfg.Name, err)
	}
	cfg.SetDefaults(nil)
	cfg.BatchSize = config.OrDefault(cfg.BatchSize, 5000)
	cfg.MaxAttempts = config.OrDefault(cfg.MaxAttempts, 4)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, http: hc, pace: &pacer{now: cfg.Now}}, nil
}

// Name is the source's configured name.
func (c *Client) Name() string { return c.cfg.Name }

// role names what each API needs, for error hints.
type role struct {
	name, key string // the portal role and the config key of its credential
	cred      config.Credential
	basic     bool
}

func (c *Client) accessRole() role {
	return role{"Reporting Access Logs", "access_logs", c.cfg.AccessLogs, false}
}
func (c *Client) auditRole() role { return role{"Audit Logs", "audit", c.cfg.Audit, true} }
func (c *Client) locationsRole() role {
	return role{"Location Management", "locations", c.cfg.Locations, true}
}

// get sends one GET, paced per customer. /reportpod takes the key in X-API
// headers, /api/rest in HTTP Basic. A non-200 answer comes back as a
// classified error.
func (c *Client) get(ctx context.Context, path string, q url.Values, r role) (*http.Response, error) {
	if !r.cred.Set() {
		return nil, errclass.Permanentf("no credential for the %s API: set %s.username and %s.password (an API key with the %q role)", path, r.key, r.key, r.name)
	}
	u := strings.TrimRight(c.cfg.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + encodeQuery(q)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, errclass.Permanentf("build request: %v", err)
	}
	if r.basic {
		req.SetBasicAuth(r.cred.Username.Value(), r.cred.Password.Value())
	} else {
		req.Header.Set("X-APIUsername", r.cred.Username.Value())
		req.Header.Set("X-APIPassword", r.cred.Password.Value())
	}
	sl, err := c.pace.wait(ctx)
	if err != nil {
		return nil, err
	}
	// request_timeout starts once the pacer lets the request go, and
	// bounds the body too: it ends when the body is closed.
	ctx, cancel := context.WithTimeout(ctx, time.Duration(c.cfg.RequestTimeout))
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("request %s: %w", path, httpx.TransportError(err))
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		return nil, c.statusError(resp, path, r, sl)
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends a request's timeout when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// encodeQuery encodes q, writing a parameter with no value as a bare flag:
// the list and download APIs need "&api" exactly so.
func encodeQuery(q url.Values) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			if v == "" && k == "api" {
				parts = append(parts, url.QueryEscape(k))
				continue
			}
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// errGone: the sync token expired or references expired data (410).
var errGone = errors.New("the sync token is no longer valid")

// defaultRetryAfter: a 429 without Retry-After waits what Broadcom says
// is to be expected, "around five (5) minutes" (KB 232689).
const defaultRetryAfter = 5 * time.Minute

// statusError classifies a non-200 answer and says what to fix. A 429
// teaches the pacer about the request's slot.
func (c *Client) statusError(resp *http.Response, path string, r role, sl slot) error {
	msg := httpx.ServerMessage(resp.Body)
	text := fmt.Sprintf("%s: %d %s", path, resp.StatusCode, msg)
	now := c.cfg.Now()
	v := httpx.Classify(resp.StatusCode, resp.Header, now, now.Add(defaultRetryAfter))
	switch code := resp.StatusCode; {
	case code == http.StatusGone:
		return errclass.WithReason(fmt.Errorf("%s: %w", text, errGone), errclass.ReasonGone)
	case code == http.StatusTooManyRequests:
		if err := c.pace.throttled(sl, v.Until); err != nil {
			c.cfg.Logger.Warn("could not save the server's Retry-After; other instances and a restart may ask too early", "source", c.cfg.Name, "error", err.Error())
		}
		return v.Err(errors.New(text + ": Broadcom throttles per customer, across all keys and clients"))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return v.Err(fmt.Errorf("%s: check %s.username and %s.password: this key needs the %q role", text, r.key, r.key, r.name))
	case code == http.StatusBadRequest || code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return v.Err(fmt.Errorf("%s: the server rejected the request; check base_url and paths (this is a gatelog bug if they are right)", text))
	case v.Class != httpx.Permanent:
		return v.Err(errors.New(text)) // 423 "API access is blocked", 500, 503: back off and retry
	}
	return v.Err(fmt.Errorf("%s: unexpected answer", text))
}
