// Package app wires a configuration into running parts: the state store,
// the sinks and the sources. Commands call into it; it holds no CLI code.
package app

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/quarantine"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/retry"
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
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
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
	store, err := bolt.Open(cfg.State, bolt.Options{})
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Store: store, Logger: o.Logger,
		Quarantine: quarantine.New(filepath.Join(filepath.Dir(cfg.State), "quarantine"))}
	if err := a.build(o); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(o Options) error {
	for _, sc := range a.Cfg.Sinks {
		s, err := NewSink(sc, SinkDeps{Stdout: o.Stdout, Quarantine: a.Quarantine, Trace: o.HTTP.Trace})
		if err != nil {
			return err
		}
		a.Sinks = append(a.Sinks, s)
	}
	deps := Deps{Store: a.Store, Logger: o.Logger, Now: o.Now, DataDir: filepath.Dir(a.Cfg.State), HTTP: o.HTTP,
		Backoff: o.SourceBackoff}
	for i := range a.Cfg.Sources {
		src, err := NewSource(&a.Cfg.Sources[i], deps)
		if err != nil {
			return err
		}
		a.Sources = append(a.Sources, src)
	}
	return nil
}

// SinkDeps is what sinks are built with.
type SinkDeps struct {
	Stdout io.Writer // where a stdout sink writes
	// Quarantine keeps what a destination rejects record by record
	// (Elasticsearch mapping errors).
	Quarantine *quarantine.Writer
	Trace      *slog.Logger // HTTP request tracing; nil: off
}

// NewSink builds one configured sink.
func NewSink(sc config.Sink, d SinkDeps) (sink.Sink, error) {
	w, q := d.Stdout, d.Quarantine
	switch sc.Type {
	case config.SinkFile:
		return file.New(sc.Name, sc.Path)
	case config.SinkStdout:
		return stdout.New(sc.Name, w), nil
	case config.SinkSyslog:
		return syslog.New(syslog.Config{Name: sc.Name, Address: sc.Address, Protocol: sc.Protocol, Framing: sc.Framing,
			Format: sc.Format, Hostname: sc.Hostname, AppName: sc.AppName, Version: Version,
			TLS: syslog.TLSConfig{CAFile: sc.TLS.CA, CertFile: sc.TLS.Cert, KeyFile: sc.TLS.Key,
				ServerName: sc.TLS.ServerName, InsecureSkipVerify: sc.Insecure}})
	case config.SinkSplunkHEC:
		return splunkhec.New(splunkhec.Config{Name: sc.Name, URL: sc.URL, Token: sc.Token.Value(), Index: sc.Index,
			SourceType: sc.SourceType, Source: sc.Source, Host: sc.Host, Gzip: sc.Gzip, Ack: sc.Ack, Channel: sc.Channel,
			BatchRecords: sc.BatchRecords, BatchBytes: sc.BatchBytes, Insecure: sc.Insecure, Timeout: time.Duration(sc.Timeout),
			AckTimeout: time.Duration(sc.AckTimeout), AckPoll: time.Duration(sc.AckPoll), Trace: d.Trace})
	case config.SinkElasticsearch:
		urls := sc.URLs
		if sc.URL != "" {
			urls = []string{sc.URL}
		}
		return elastic.New(elastic.Config{Name: sc.Name, URLs: urls, APIKey: sc.APIKey.Value(), Username: sc.Username,
			Password: sc.Password.Value(), Index: sc.Index, DataStream: sc.DataStream, BatchRecords: sc.BatchRecords,
			BatchBytes: sc.BatchBytes, Insecure: sc.Insecure, Timeout: time.Duration(sc.Timeout),
			Quarantine: rejected(q, sc.Name), Trace: d.Trace})
	case config.SinkKafka:
		return kafka.New(kafka.Config{Name: sc.Name, Brokers: sc.Brokers, Topic: sc.Topic, ClientID: sc.ClientID,
			TLS: kafka.TLSConfig{Enabled: sc.TLS.Enabled, CAFile: sc.TLS.CA, CertFile: sc.TLS.Cert, KeyFile: sc.TLS.Key,
				ServerName: sc.TLS.ServerName, InsecureSkipVerify: sc.Insecure},
			SASL:    kafka.SASLConfig{Mechanism: sc.SASL.Mechanism, Username: sc.SASL.Username, Password: sc.SASL.Password.Value()},
			Timeout: time.Duration(sc.Timeout)})
	case config.SinkS3:
		return s3.New(s3.Config{Name: sc.Name, Bucket: sc.Bucket, Prefix: sc.Prefix, Endpoint: sc.Endpoint, Region: sc.Region,
			AccessKeyID: sc.AccessKeyID, SecretAccessKey: sc.SecretAccessKey.Value(), UsePathStyle: sc.UsePathStyle,
			Insecure: sc.Insecure, PartSize: sc.PartSize, Timeout: time.Duration(sc.Timeout)})
	}
	return nil, errclass.Permanentf("sink %s: type %q is not supported", sc.Name, sc.Type)
}

// Deps is what sources are built with.
type Deps struct {
	Store   state.Store
	Logger  *slog.Logger
	Now     func() time.Time
	DataDir string // beside the state file: spool/ and quarantine/ live here
	HTTP    HTTPHooks
	Backoff retry.Backoff // between retries inside a fetch; zero: the sources' default
}

// rejected quarantines a record a destination refused, with the reason.
func rejected(q *quarantine.Writer, sinkName string) func(record.Record, string) error {
	if q == nil {
		return nil
	}
	return func(rec record.Record, reason string) error {
		return q.Write(record.StreamID{Source: rec.Source, Stream: rec.Stream}, []source.Quarantined{{
			Reason: "sink " + sinkName + " rejected the record: " + reason, Context: "id " + rec.ID, Raw: rec.AppendJSON(nil)}})
	}
}

// NewSource builds one configured source.
func NewSource(sc *config.Source, d Deps) (source.Source, error) {
	client := httpx.NewClient(httpx.Options{Insecure: sc.Insecure, HeaderTimeout: time.Duration(sc.RequestTimeout),
		Name: sc.Name, Observe: d.HTTP.Observe, Trace: d.HTTP.Trace})
	switch sc.Type {
	case config.TypeForcepoint:
		fc := ForcepointConfig(sc, d.Logger, d.Now)
		fc.Backoff = d.Backoff
		return forcepoint.New(fc, client, d.Store)
	case config.TypeSymantec:
		return symantec.New(SymantecConfig(sc, d), client, d.Store)
	}
	return nil, fmt.Errorf("source %s: type %q is not supported", sc.Name, sc.Type)
}

// SymantecConfig maps the YAML block onto the client's settings.
func SymantecConfig(sc *config.Source, d Deps) symantec.Config {
	cred := func(c config.Credential) symantec.Credential {
		return symantec.Credential{Username: c.Username.Value(), Password: c.Password.Value()}
	}
	p, a, l := sc.Paths, sc.AuditParams, sc.Archive
	return symantec.Config{
		Name: sc.Name, BaseURL: sc.BaseURL, Insecure: sc.Insecure,
		AccessLogs: cred(sc.AccessLogs), Audit: cred(sc.Audit), Locations: cred(sc.Locations),
		Paths:  symantec.Paths{Sync: p.Sync, List: p.List, Download: p.Download, Audit: p.Audit, Locations: p.Locations},
		Audits: symantec.AuditParams{StartDate: a.StartDate, EndDate: a.EndDate, Format: a.Format, ObjectType: a.ObjectType, OperationType: a.OperationType},
		Limits: archive.Limits{MaxSpoolBytes: l.MaxBytes, MaxMembers: l.MaxMembers, MaxUncompressed: l.MaxUncompressedBytes,
			MaxRatio: l.MaxRatio, MaxLineBytes: l.MaxLineBytes},
		SpoolDir: filepath.Join(d.DataDir, "spool"),
		Streams:  sc.LogTypes, Start: time.Duration(sc.Start), PollInterval: time.Duration(sc.PollInterval),
		RequestTimeout: time.Duration(sc.RequestTimeout), Now: d.Now, Logger: d.Logger, Backoff: d.Backoff,
	}
}

// ForcepointConfig maps the YAML block onto the client's settings.
func ForcepointConfig(sc *config.Source, logger *slog.Logger, now func() time.Time) forcepoint.Config {
	return forcepoint.Config{
		Name: sc.Name, BaseURL: sc.BaseURL, Path: sc.Path, Method: sc.Method,
		Token: sc.Auth.Token.Value(), Username: sc.Auth.Username, Password: sc.Auth.Password.Value(),
		Insecure: sc.Insecure, LogTypes: sc.LogTypes, CV: sc.EffectiveCV,
		Start: time.Duration(sc.Start), PollInterval: time.Duration(sc.PollInterval),
		DailyBudget: sc.DailyRequestBudget, RequestTimeout: time.Duration(sc.RequestTimeout),
		Now: now, Logger: logger,
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
