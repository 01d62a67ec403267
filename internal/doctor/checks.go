package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/httpx"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	sourcepkg "github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
	"github.com/gatelog/gatelog/internal/source/symantec"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
	"github.com/gatelog/gatelog/internal/state/memstate"
	"github.com/gatelog/gatelog/internal/state/postgres"
)

// Options tunes Run.
type Options struct {
	Cfg          *config.Config
	ConfigPath   string
	Now          func() time.Time
	MaxSkew      time.Duration // default 30s
	MinFreeBytes uint64        // default 512 MiB
}

// Run performs every check.
func Run(ctx context.Context, o Options) Report {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = 30 * time.Second
	}
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = 512 << 20
	}
	r := Report{ok("config", "%s is valid: %d sources, %d sinks", o.ConfigPath, len(o.Cfg.Sources), len(o.Cfg.Sinks))}
	store, c := openState(ctx, o.Cfg)
	defer store.Close()
	r = append(r, c)
	r = append(r, diskChecks(o)...)
	for i := range o.Cfg.Sources {
		r = append(r, sourceChecks(ctx, o, &o.Cfg.Sources[i], store)...)
	}
	for _, s := range o.Cfg.Sinks {
		r = append(r, sinkCheck(ctx, s))
	}
	return r
}

// openState opens the store for writing (the auth checks spend budget
// and record it); when it cannot, the checks count in memory.
func openState(ctx context.Context, cfg *config.Config) (state.Store, Check) {
	if config.StateIsDatabase(cfg.State) {
		return openDatabase(ctx, cfg)
	}
	path := cfg.State
	s, err := bolt.Open(path, bolt.Options{Timeout: 300 * time.Millisecond})
	var damaged *bolt.DamagedError
	switch {
	case errors.As(err, &damaged):
		return memstate.New(), fail("state", damaged.Fix(), "%s is damaged (%s)", path, damaged.Reason)
	case errors.Is(err, state.ErrLocked):
		return memstate.New(), fail("state", "stop the gatelog that holds it, or point state: at another file",
			"%s is locked by another gatelog process", path)
	case err != nil:
		return memstate.New(), fail("state", "move the file aside if it is damaged; a new one starts every stream afresh", "%v", err)
	}
	entries, _ := s.List()
	return s, ok("state", "%s is readable (%d streams)", path, len(entries))
}

// openDatabase connects to the PostgreSQL state (its schema migrated as a
// run would); the URL is shown with its password masked.
func openDatabase(ctx context.Context, cfg *config.Config) (state.Store, Check) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	s, err := postgres.Open(ctx, cfg.State, postgres.Options{})
	if err != nil {
		return memstate.New(), fail("state", "check the URL, the password (PGPASSWORD) and that the server accepts gatelog's role", "%s: %v", cfg.StateShown(), err)
	}
	entries, _ := s.List()
	return s, ok("state", "%s answers (%d streams)", cfg.StateShown(), len(entries))
}

// diskChecks: the state folder and every file sink folder are writable
// and have room.
func diskChecks(o Options) []Check {
	dirs := []string{o.Cfg.DataDir}
	for _, s := range o.Cfg.Sinks {
		if f, ok := s.Settings.(config.Folder); ok {
			_, dir := f.Folder()
			dirs = append(dirs, dir)
		}
	}
	var out []Check
	for _, d := range dirs {
		out = append(out, diskCheck(d, o.MinFreeBytes))
	}
	return out
}

func diskCheck(dir string, minFree uint64) Check {
	name := "disk " + dir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fail(name, "create the folder or choose another path", "cannot create: %v", err)
	}
	f, err := os.CreateTemp(dir, ".gatelog-doctor-*")
	if err != nil {
		return fail(name, "give gatelog's user write access", "not writable: %v", err)
	}
	f.Close()
	os.Remove(f.Name())
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return ok(name, "writable")
	}
	free := st.Bavail * uint64(st.Bsize)
	if free < minFree {
		return fail(name, "free space: spooled archives and log files need room", "only %d MiB free", free>>20)
	}
	return ok(name, "writable, %d GiB free", free>>30)
}

// reach checks that base answers HTTP and that its clock agrees with ours.
func reach(ctx context.Context, o Options, name, base string, insecure bool) []Check {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base, nil)
	if err != nil {
		return []Check{fail(name+" reach", "check base_url", "%v", err)}
	}
	resp, err := httpx.NewClient(httpx.Options{Insecure: insecure}).Do(req)
	if err != nil {
		return []Check{fail(name+" reach", "check base_url, DNS, proxy (HTTPS_PROXY) and firewall", "%v", httpx.RedactURLError(err))}
	}
	resp.Body.Close()
	out := []Check{ok(name+" reach", "%s answers (HTTP %d)", base, resp.StatusCode)}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return append(out, skip(name+" clock", "the server sent no Date header"))
	}
	skew := o.Now().Sub(date)
	if skew.Abs() > o.MaxSkew {
		return append(out, fail(name+" clock", "sync this machine's clock (NTP): start dates and budget resets depend on it",
			"this clock is %s off the server's", skew.Round(time.Second)))
	}
	return append(out, ok(name+" clock", "within %s of the server's", o.MaxSkew))
}

func sourceChecks(ctx context.Context, o Options, sc *config.Source, store state.Store) []Check {
	name := "source " + sc.Name
	switch s := sc.Settings.(type) {
	case *forcepoint.Config:
		out := reach(ctx, o, name, s.BaseURL, s.Insecure)
		if !out[0].OK {
			return out
		}
		return append(out, forcepointAuth(ctx, o, sc.Name, s, store))
	case *symantec.Config:
		out := reach(ctx, o, name, s.BaseURL, s.Insecure)
		if !out[0].OK {
			return out
		}
		return append(out, symantecAuth(ctx, o, sc.Name, s)...)
	}
	return nil
}

// forcepointAuth sends one request for the first log type, unless its
// budget for today is nearly spent.
func forcepointAuth(ctx context.Context, o Options, source string, s *forcepoint.Config, store state.Store) Check {
	typ := s.LogTypes[0]
	check := "source " + source + " auth"
	id := record.StreamID{Source: source, Stream: typ}
	if b, err := store.Budget(id); err == nil && b.Day == o.Now().UTC().Format(time.DateOnly) && b.Used >= s.DailyRequestBudget*9/10 {
		return skip(check, "%d of %d requests for %s used today: not spending more", b.Used, s.DailyRequestBudget, typ)
	}
	one := *s
	one.LogTypes, one.Start, one.MaxAttempts = []string{typ}, config.Duration(time.Minute), 1
	src, err := forcepoint.Factory.New(source, &one, sourcepkg.Deps{Ledger: store, Now: o.Now})
	if err != nil {
		return fail(check, "check the source", "%v", err)
	}
	st := src.Streams()[0]
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	_ = st.Resume(ctx, nil)
	return authResult(check, fmt.Sprintf("one %s request accepted", typ), errOf(st.Fetch(ctx)))
}

func errOf(_ any, err error) error { return err }

// authResult turns a check request's error into a line.
func authResult(check, success string, err error) Check {
	if until, ok := errclass.ThrottledUntil(err); ok {
		return skip(check, "throttled until %s: %v", until.UTC().Format(time.RFC3339), err)
	}
	switch {
	case err == nil:
		return ok(check, "%s", success)
	case errclass.IsPermanent(err):
		return fail(check, "fix the credential or role named above", "%v", err)
	}
	return fail(check, "a temporary failure: try again", "%v", err)
}

// symantecAuth makes one cheap request per API role with a credential.
func symantecAuth(ctx context.Context, o Options, source string, s *symantec.Config) []Check {
	name := "source " + source
	src, err := symantec.Factory.New(source, s, sourcepkg.Deps{Now: o.Now, DataDir: os.TempDir()})
	if err != nil {
		return []Check{fail(name+" auth", "check the source", "%v", err)}
	}
	c := src.(*symantec.Source).Client()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	now := o.Now()
	var out []Check
	if s.AccessLogs.Set() {
		_, err := c.ListHours(ctx, now.Add(-2*time.Hour), now)
		out = append(out, authResult(name+" access_logs", "the key may read access logs", err))
	}
	if s.Audit.Set() {
		err := c.AuditJSON(ctx, symantec.AuditQuery{From: now, To: now}, func(json.RawMessage) error { return nil })
		out = append(out, authResult(name+" audit", "the key may read the audit log", err))
	}
	return out
}

// sinkCheck: network sinks answer a connection; file sinks were checked
// with the disks.
func sinkCheck(ctx context.Context, s config.Sink) Check {
	name := "sink " + s.Name
	ep, isNet := s.Settings.(sink.Endpoint)
	if !isNet {
		return ok(name, "%s", s.Type)
	}
	addr, why := ep.Endpoint()
	if why != "" {
		return skip(name, "%s", why)
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail(name, "check the address, DNS and firewall", "cannot connect to %s: %v", addr, err)
	}
	conn.Close()
	return ok(name, "%s accepts connections", addr)
}
