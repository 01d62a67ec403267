package app

import (
	"fmt"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/normalize"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/sink/elastic"
	"github.com/gatelog/gatelog/internal/sink/file"
	"github.com/gatelog/gatelog/internal/sink/kafka"
	"github.com/gatelog/gatelog/internal/sink/s3"
	"github.com/gatelog/gatelog/internal/sink/splunkhec"
	"github.com/gatelog/gatelog/internal/sink/stdout"
	"github.com/gatelog/gatelog/internal/sink/syslog"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
	"github.com/gatelog/gatelog/internal/source/symantec"
)

// Components are the types of sources and sinks a configuration may use,
// each from its own package: adding one is one line in Builtin.
type Components struct {
	Sources []source.Factory
	Sinks   []sink.Factory
	// DefaultSink is the type of the sink used when a file names none.
	DefaultSink string
}

// Builtin returns every source and sink type gatelog ships, in the order
// messages list them.
func Builtin() Components {
	return Components{
		Sources: []source.Factory{forcepoint.Factory, symantec.Factory},
		Sinks: []sink.Factory{file.Factory, stdout.Factory, syslog.Factory, splunkhec.Factory,
			elastic.Factory, kafka.Factory, s3.Factory},
		DefaultSink: file.Factory.Type,
	}
}

// Kinds is what the configuration loader needs to know of c.
func (c Components) Kinds() config.Kinds {
	k := config.Kinds{DefaultSink: c.DefaultSink, Schemas: normalize.Schemas()}
	for _, f := range c.Sources {
		k.Sources = append(k.Sources, f.Kind)
	}
	for _, f := range c.Sinks {
		k.Sinks = append(k.Sinks, f.Kind)
	}
	return k
}

// LoadConfig reads the configuration file at path (see config.Load) with
// the built-in components.
func LoadConfig(path string) (*config.Config, error) { return config.Load(path, Builtin().Kinds()) }

// DefaultConfig is the configuration of a file that sets nothing, with the
// built-in components.
func DefaultConfig() *config.Config { return config.Default(Builtin().Kinds()) }

// newSource builds the configured source sc.
func (c Components) newSource(sc config.Source, d source.Deps) (source.Source, error) {
	for _, f := range c.Sources {
		if f.Type == sc.Type && sc.Settings != nil {
			return f.New(sc.Name, sc.Settings, d)
		}
	}
	return nil, fmt.Errorf("source %s: type %q is not supported", sc.Name, sc.Type)
}

// newSink builds the configured sink sc.
func (c Components) newSink(sc config.Sink, d sink.Deps) (sink.Sink, error) {
	for _, f := range c.Sinks {
		if f.Type == sc.Type && sc.Settings != nil {
			return f.New(sc.Name, sc.Settings, d)
		}
	}
	return nil, errclass.Permanentf("sink %s: type %q is not supported", sc.Name, sc.Type)
}
