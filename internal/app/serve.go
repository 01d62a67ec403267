package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/pipeline"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/status"
	"github.com/gatelog/gatelog/internal/telemetry"
)

// Commit is the build's commit, set by the command at start.
var Commit = ""

// Monitor feeds the status page and the metrics.
type Monitor struct {
	Observe     func(pipeline.Event) // pipeline.Options.Observe
	ObserveHTTP func(httpx.Exchange) // HTTPHooks.Observe
}

// Serve serves the status page, /metrics, /healthz and /readyz on
// cfg.Listen until ctx ends, and returns what feeds them. A busy port is
// logged and the collection goes on: logs matter more than their
// dashboard.
func Serve(ctx context.Context, cfg *config.Config, logger *slog.Logger) Monitor {
	m := telemetry.New(Version, Commit)
	srcs := make([]status.SourceInfo, len(cfg.Sources))
	for i, s := range cfg.Sources {
		srcs[i] = status.SourceInfo{Name: s.Name, Tenant: s.Tenant, Vendor: s.Type}
	}
	board := status.New(nil, status.WithVersion(Version), status.WithSources(srcs...))
	mon := Monitor{ObserveHTTP: m.ObserveHTTP, Observe: func(e pipeline.Event) {
		m.Observe(e)
		board.Observe(e)
	}}
	h := m.Handler(telemetry.HandlerOptions{Poll: longestPoll(cfg), Page: board.Handler(),
		Username: string(cfg.ListenAuth.Username), Password: string(cfg.ListenAuth.Password)})
	addr, err := telemetry.Serve(ctx, cfg.Listen, h)
	if err != nil {
		logger.Error("status page, metrics and health endpoints are off", "listen", cfg.Listen, "error", err.Error())
		return mon
	}
	logger.Info("serving the status page", "url", "http://"+addr+"/", "metrics", "http://"+addr+"/metrics",
		"readyz", "http://"+addr+"/readyz")
	return mon
}

// longestPoll is the longest poll_interval of the sources: /readyz allows
// every stream two of them.
func longestPoll(cfg *config.Config) time.Duration {
	var d time.Duration
	for _, s := range cfg.Sources {
		if p, ok := s.Settings.(source.Poller); ok {
			d = max(d, p.PollEvery())
		}
	}
	return d
}
