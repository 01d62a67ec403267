package file

import (
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/sink"
)

// Factory makes the sinks of `type: file`.
var Factory = sink.NewFactory(config.Kind{Type: "file"}, build)

// The loader checks the folder before anything is collected.
var _ config.Folder = (*Config)(nil)

func build(name string, s *Config, _ sink.Deps) (sink.Sink, error) {
	fs, err := New(name, s.Path)
	if err != nil {
		return nil, err // not a nil *Sink in a non-nil interface
	}
	return fs, nil
}
