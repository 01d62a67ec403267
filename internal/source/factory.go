package source

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/state"
)

// Factory makes one type of source: its block of configuration
// (config.Kind, whose Settings the source's package declares with their
// defaults and checks) and its constructor.
type Factory struct {
	config.Kind
	// New builds the source named name from settings made by Kind.New,
	// defaulted and validated by the loader.
	New func(name string, settings config.Settings, d Deps) (Source, error)
}

// NewFactory ties a source package's settings type to its constructor
// (config.Bind): Kind.New returns a new *S.
func NewFactory[S any, P interface {
	*S
	config.Settings
}](kind config.Kind, build func(name string, s P, d Deps) (Source, error)) Factory {
	k, New := config.Bind(kind, build)
	return Factory{Kind: k, New: New}
}

// Deps is what a source is built with beyond its settings: the parts of the
// state it may use, and the process's logger, clock and HTTP hooks.
type Deps struct {
	Ledger state.Ledger    // request budgets and throttles, per stream
	Seen   state.SeenMarks // ids already delivered, per stream
	Logger *slog.Logger
	Now    func() time.Time
	// DataDir is the folder beside the state file (spool/ lives there).
	DataDir string
	// Observe and Trace reach every HTTP client the source makes.
	Observe func(httpx.Exchange)
	Trace   *slog.Logger
	// Backoff spaces the retries inside one fetch; zero: the source's
	// default.
	Backoff retry.Backoff
}

// HTTPClient is the client a source named name talks to its vendor with:
// TLS verification on unless insecure, headerTimeout bounding the wait for
// response headers, requests reported to Observe and Trace.
func (d Deps) HTTPClient(name string, insecure bool, headerTimeout time.Duration) *http.Client {
	return httpx.NewClient(httpx.Options{Insecure: insecure, HeaderTimeout: headerTimeout, Name: name,
		Observe: d.Observe, Trace: d.Trace})
}

// Poller is implemented by the settings of a source that polls: the status
// server's /readyz allows every stream two of its intervals.
type Poller interface {
	PollEvery() time.Duration
}
