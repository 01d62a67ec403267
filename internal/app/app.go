// Package app wires a configuration into running parts: the state store,
// the sinks and the sources. Commands call into it; it holds no CLI code.
package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/state"
)

// Version is gatelog's version, set by the command at start (devices in
// CEF and LEEF headers name it).
var Version = "dev"

// App is a configuration made into parts. Close it when done.
type App struct {
	Cfg        *config.Config
	Store      state.Store
	Sinks      []sink.Sink
	Sources    []source.Source
	Quarantine *quarantine.Writer
	Logger     *slog.Logger
}

// Options tunes Open.
type Options struct {
	Logger *slog.Logger
	Stdout io.Writer // where a stdout sink writes (default os.Stdout)
	Now    func() time.Time
	HTTP   HTTPHooks
	// SourceBackoff spaces the retries a source makes inside one fetch
	// (default 1s doubling to 5m); tests shorten it.
	SourceBackoff retry.Backoff
	// Components are the source and sink types to build from (default
	// Builtin); the configuration must have been loaded with their Kinds.
	Components *Components
}

func (o Options) components() Components {
	if o.Components != nil {
		return *o.Components
	}
	return Builtin()
}

// HTTPHooks reach the HTTP clients gatelog builds.
type HTTPHooks struct {
	Observe func(httpx.Exchange) // vendor API requests (metrics)
	Trace   *slog.Logger         // every request, of sources and sinks; nil: off
}

// Open opens the state store and builds every sink and source. It first
// checks the local folders the configuration writes to (config.CheckLocal):
// a folder that cannot be created or written is a configuration error
// (an *ExitError with code 2 naming the key), found before anything is
// collected rather than at the first write.
func Open(cfg *config.Config, o Options) (*App, error) {
	if err := cfg.CheckLocal(); err != nil {
		return nil, &ExitError{Code: 2, Msg: err.Error()}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	store, err := openStore(context.Background(), cfg.State, false)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Store: store, Logger: o.Logger,
		Quarantine: quarantine.New(filepath.Join(cfg.DataDir, "quarantine"))}
	if err := a.build(o); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(o Options) error {
	comps := o.components()
	for _, sc := range a.Cfg.Sinks {
		sd := sink.Deps{Stdout: o.Stdout, Reject: rejected(a.Quarantine, sc.Name), Trace: o.HTTP.Trace, Version: Version,
			Schema: sc.Schema}
		s, err := comps.newSink(sc, sd)
		if err != nil {
			return err
		}
		a.Sinks = append(a.Sinks, s)
	}
	for _, sc := range a.Cfg.Sources {
		src, err := comps.newSource(sc, a.sourceDeps(o))
		if err != nil {
			return err
		}
		a.Sources = append(a.Sources, src)
	}
	return nil
}

func (a *App) sourceDeps(o Options) source.Deps {
	return source.Deps{Ledger: a.Store, Seen: a.Store, Logger: o.Logger, Now: o.Now,
		DataDir: a.Cfg.DataDir, Observe: o.HTTP.Observe, Trace: o.HTTP.Trace, Backoff: o.SourceBackoff}
}

// rejected quarantines a record a destination refused, with the reason.
func rejected(q *quarantine.Writer, sinkName string) func(record.Record, string) error {
	if q == nil {
		return nil
	}
	return func(rec record.Record, reason string) error {
		return q.Write(record.StreamID{Source: rec.Source, Stream: rec.Stream}, []quarantine.Item{{
			Reason: "sink " + sinkName + " rejected the record: " + reason, Context: "id " + rec.ID, Raw: rec.AppendJSON(nil)}})
	}
}

// Close closes sinks and the store; safe to call twice.
func (a *App) Close() error {
	var first error
	for _, s := range a.Sinks {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	if a.Store != nil {
		if err := a.Store.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
