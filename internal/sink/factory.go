package sink

import (
	"io"
	"log/slog"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
)

// Factory makes one type of sink: its block of configuration (config.Kind,
// whose Settings the sink's package declares with their defaults and
// checks) and its constructor.
type Factory struct {
	config.Kind
	// New builds the sink named name from settings made by Kind.New,
	// defaulted and validated by the loader.
	New func(name string, settings config.Settings, d Deps) (Sink, error)
}

// NewFactory ties a sink package's settings type to its constructor
// (config.Bind): Kind.New returns a new *S.
func NewFactory[S any, P interface {
	*S
	config.Settings
}](kind config.Kind, build func(name string, s P, d Deps) (Sink, error)) Factory {
	k, New := config.Bind(kind, build)
	return Factory{Kind: k, New: New}
}

// Deps is what a sink is built with beyond its settings.
type Deps struct {
	Stdout io.Writer // where a stdout sink writes
	// Reject keeps a record the destination refused on its own (an
	// Elasticsearch mapping error) with the reason, so that the rest of the
	// batch is delivered; nil: such a record fails the batch.
	Reject  func(rec record.Record, reason string) error
	Trace   *slog.Logger // HTTP request tracing; nil: off
	Version string       // gatelog's version, for headers that name the sender
	// Schema is what the sink receives ("raw", "ocsf", "ecs"): records
	// carry it in Record.Schema and Record.Event. A sink may name its
	// destinations by it (Elasticsearch's ECS data streams).
	Schema string
}

// Endpoint is implemented by the settings of a sink that connects to a
// server: Endpoint is the host:port `gatelog doctor` dials, or a reason it
// cannot check one ("UDP has no handshake to check").
type Endpoint interface {
	Endpoint() (hostPort, skip string)
}
