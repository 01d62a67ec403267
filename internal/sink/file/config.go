package file

import "github.com/gatelog/gatelog/internal/config"

// Config is the block of a `type: file` sink.
type Config struct {
	Path string `yaml:"path"` // the folder day files go under
}

// SetDefaults writes under config.DefaultLogDir unless told otherwise.
func (c *Config) SetDefaults(func(string) (string, bool)) {
	c.Path = config.OrDefault(c.Path, config.DefaultLogDir)
}

// Validate reports a missing path.
func (c *Config) Validate(ck *config.Check) {
	if c.Path == "" {
		ck.Fail("path", "required for a file sink")
	}
}

// Folder names the folder the loader checks before anything is collected.
func (c *Config) Folder() (key, dir string) { return "path", c.Path }
