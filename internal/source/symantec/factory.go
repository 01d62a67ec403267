package symantec

import (
	"path/filepath"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/source"
)

// credentialExample is the usual form of a credential that falls back to
// the vendor's variables.
const credentialExample = "{username: ${" + EnvUsername + "}, password: ${" + EnvPassword + "}}"

// Factory makes the sources of `type: symantec`.
var Factory = source.NewFactory(config.Kind{
	Type:  "symantec",
	Title: "Symantec",
	Examples: map[string]string{
		"access_logs":  "{username: ${SWG_LOGS_USERNAME}, password: ${SWG_LOGS_PASSWORD}}",
		"audit":        credentialExample,
		"locations":    credentialExample,
		"paths":        "{locations: /api/rest/locations}",
		"audit_params": "{start_date: startDate, end_date: endDate}",
		"archive":      "{max_line_bytes: 2097152}",
	},
}, build)

// build makes the source from loaded settings, on a copy: the loader's
// settings stay as they were read.
func build(name string, s *Config, d source.Deps) (source.Source, error) {
	cfg := *s
	cfg.Name, cfg.SpoolDir = name, filepath.Join(d.DataDir, "spool")
	cfg.Now, cfg.Logger, cfg.Backoff = d.Now, d.Logger, d.Backoff
	hc := d.HTTPClient(name, cfg.Insecure, time.Duration(cfg.RequestTimeout))
	src, err := New(cfg, hc, d.Ledger, d.Seen)
	if err != nil {
		return nil, err // not a nil *Source in a non-nil interface
	}
	return src, nil
}
