// Package simulator serves the vendor API emulators on a real socket, with
// optional fault injection: for `gatelog simulate`, `gatelog demo`, tests
// and benchmarks. The emulators are written from the vendor API docs and
// share no code with gatelog's clients, so a bug in one is caught by the
// other.
package simulator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/fault"
	"github.com/gatelog/gatelog/internal/simulator/forcepoint"
	"github.com/gatelog/gatelog/internal/simulator/symantec"
)

// Demo credentials the simulators accept by default. They are not secrets:
// they open nothing but a local simulator.
const (
	DemoToken    = "demo-token"
	DemoUsername = "demo@example.com"
	DemoPassword = "demo-password"
	// Symantec scopes a key to a role; the demo uses one key for all.
	DemoSWGUsername = "demo-swg-key"
	DemoSWGPassword = "demo-swg-secret"
)

// Options configures the simulators.
type Options struct {
	Forcepoint forcepoint.Config
	Symantec   symantec.Config
	// Faults, when Rate > 0, injects failures into that share of requests.
	Faults fault.Config
}

// Simulator is a running set of vendor emulators.
type Simulator struct {
	Forcepoint *forcepoint.Server
	Symantec   *symantec.Server
	Faults     *fault.Injector
	URL        string // base URL, e.g. http://127.0.0.1:8443
	srv        *http.Server
	ln         net.Listener
}

// DefaultForcepoint is the Forcepoint emulator's configuration for the demo
// and `gatelog simulate`: the vendor's 300 requests a day, and, as the
// zero values give them, the "{}" end page, cv-selected fields and the
// swgweb startdate overlap.
func DefaultForcepoint() forcepoint.Config {
	return forcepoint.Config{
		Seed: 1, DefaultCount: 1000, PageSize: 1000, DailyLimit: 300,
		Token: DemoToken, Username: DemoUsername, Password: DemoPassword,
		Overlap: forcepoint.DefaultOverlap,
	}
}

// DefaultSymantec is the Cloud SWG emulator's configuration for the demo
// and `gatelog simulate`: six hours of access logs up to the current hour.
func DefaultSymantec() symantec.Config {
	return symantec.Config{
		Seed: 1, LinesPerHour: 600,
		AccessUser: DemoSWGUsername, AccessPassword: DemoSWGPassword,
		AuditUser: DemoSWGUsername, AuditPassword: DemoSWGPassword,
		LocationsUser: DemoSWGUsername, LocationsPassword: DemoSWGPassword,
	}
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves.
func Start(addr string, o Options) (*Simulator, error) {
	s := &Simulator{Forcepoint: forcepoint.New(o.Forcepoint), Symantec: symantec.New(o.Symantec)}
	mux := http.NewServeMux()
	mux.Handle("/api/bitglassapi/", s.Forcepoint)
	mux.Handle("/reportpod/", s.Symantec)
	mux.Handle("/api/rest/", s.Symantec)
	var h http.Handler = mux
	if o.Faults.Rate > 0 {
		s.Faults = fault.Wrap(mux, o.Faults, nil)
		h = s.Faults
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("simulator: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close

	return s, nil
}

// Close stops serving within a second, cutting slow requests short.
func (s *Simulator) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}
