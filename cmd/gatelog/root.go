package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/config"
)

// globals are the flags every command takes.
type globals struct {
	configPath string
	logLevel   string
	logFormat  string
	trace      bool
}

func newRootCommand() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "gatelog",
		Short: "Collect security logs from SWG/SSE vendor APIs, complete, once and in order",
		Long: `gatelog pulls logs out of cloud secure-web-gateway vendor APIs (Symantec /
Broadcom Cloud SWG, Forcepoint ONE SSE) and delivers them to files, SIEMs and
message buses. It keeps a durable checkpoint per log type, so a restart or a
crash loses nothing and duplicates nothing, and it keeps within the vendor's
request budget across restarts.

Try it without an account:   gatelog demo
Check a configuration:       gatelog doctor -c gatelog.yaml
Run it for real:             gatelog run -c gatelog.yaml   (status page: http://127.0.0.1:9470/)

Exit codes: 0 success, 1 failure, 2 usage or configuration error,
3 some streams wait for a request budget reset (run --once), 130/143
interrupted by SIGINT/SIGTERM before every stream caught up (run --once).`,
		Example:       "  gatelog demo\n  gatelog doctor -c gatelog.yaml\n  gatelog run -c gatelog.yaml --once\n  gatelog run --help",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVarP(&g.configPath, "config", "c", "gatelog.yaml", "configuration file")
	f.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&g.trace, "trace-requests", false, "log every HTTP request and response line with headers (credentials redacted, never bodies)")
	root.AddCommand(
		newVersionCommand(), newRunCommand(g), newStateCommand(g), newForcepointCommand(g),
		newSymantecCommand(g), newDoctorCommand(g), newSimulateCommand(g), newDemoCommand(g),
	)
	finishCommands(root)
	return root
}

// logger builds the slog logger the flags ask for, writing to w.
func (g *globals) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, &usageError{fmt.Errorf("--log-level %q: use debug, info, warn or error", g.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(g.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &usageError{fmt.Errorf("--log-format %q: use text or json", g.logFormat)}
}

// hooks are the HTTP client hooks the flags ask for: tracing into logger.
func (g *globals) hooks(logger *slog.Logger) app.HTTPHooks {
	if !g.trace {
		return app.HTTPHooks{}
	}
	return app.HTTPHooks{Trace: logger}
}

// setup builds the logger and loads the configuration: the start of every
// command that works on a configuration.
func (g *globals) setup(cmd *cobra.Command) (*slog.Logger, *config.Config, error) {
	logger, err := g.logger(cmd.ErrOrStderr())
	if err != nil {
		return nil, nil, err
	}
	cfg, err := g.loadConfig()
	return logger, cfg, err
}

// loadConfig reads .env from the working directory, then the config file.
func (g *globals) loadConfig() (*config.Config, error) {
	if err := config.LoadDotEnv("."); err != nil {
		return nil, &usageError{err}
	}
	if _, err := os.Stat(g.configPath); os.IsNotExist(err) {
		return nil, &usageError{&missingConfigError{g.configPath}}
	}
	cfg, err := app.LoadConfig(g.configPath)
	if err != nil {
		return nil, &usageError{err}
	}
	return cfg, nil
}

// missingConfigError: there is no configuration file at the path.
type missingConfigError struct{ path string }

func (e *missingConfigError) Error() string {
	return fmt.Sprintf("no configuration at %s: pass -c FILE, or try gatelog demo first", e.path)
}
