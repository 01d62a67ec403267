package forcepoint

import (
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/source"
)

// Factory makes the sources of `type: forcepoint`.
var Factory = source.NewFactory(config.Kind{
	Type:  "forcepoint",
	Title: "Forcepoint",
	Examples: map[string]string{
		"auth":      "{token: ${FORCEPOINT_TOKEN}}",
		"log_types": "[access, admin]",
	},
}, build)

// build copies the loader's settings (a source built twice, as doctor and
// export do, must not see the other's changes) and adds what the process
// gives.
func build(name string, s *Config, d source.Deps) (source.Source, error) {
	cfg := *s
	cfg.Name, cfg.Logger, cfg.Now, cfg.Backoff = name, d.Logger, d.Now, d.Backoff
	client := d.HTTPClient(name, cfg.Insecure, time.Duration(cfg.RequestTimeout))
	src, err := New(cfg, client, d.Ledger)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return src, nil
}
