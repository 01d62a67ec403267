package telemetry

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HandlerOptions configures Handler.
type HandlerOptions struct {
	// Poll is the longest poll interval: /readyz allows each stream two.
	Poll time.Duration
	// Page is served at "/" (the status page); nil serves none.
	Page http.Handler
	// Username and Password, when set, are asked for with HTTP basic auth
	// on "/" and /metrics. The health endpoints stay open for probes.
	Username, Password string
}

// Handler serves the status page, /metrics, /healthz and /readyz.
//
//   - /healthz answers 200 while the process runs.
//   - /readyz answers 200 when every stream has succeeded (delivered, or
//     found it had caught up) within two poll intervals, or is waiting on a
//     throttle whose end it knows; else 503 listing the streams that are not.
//     Streams another instance runs are not judged.
func (m *Metrics) Handler(o HandlerOptions) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", basicAuth(o, promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})))
	if o.Page != nil {
		mux.Handle("/{$}", basicAuth(o, o.Page))
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if bad := m.notReady(2 * o.Poll); len(bad) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: "+strings.Join(bad, ", "))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// basicAuth asks for o's username and password, when set. The comparison
// takes the same time whatever the guess, and a failure says nothing of
// which part was wrong.
func basicAuth(o HandlerOptions, next http.Handler) http.Handler {
	if o.Username == "" {
		return next
	}
	want := sha256.Sum256([]byte(o.Username + ":" + o.Password))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		got := sha256.Sum256([]byte(user + ":" + pass))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="gatelog", charset="UTF-8"`)
			http.Error(w, "gatelog: the username or password is wrong (listen_auth in the configuration)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// notReady lists the streams that have not succeeded within window and are
// not waiting on a known throttle, nor on the request their plan schedules
// (a paced stream with a small budget may wait longer than window).
func (m *Metrics) notReady(window time.Duration) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var bad []string
	for id, st := range m.streams {
		switch {
		case st.elsewhere:
		case st.failed:
			bad = append(bad, id.String()+" (failed)")
		case now.Before(st.waitingUntil):
		case st.planned && now.Before(st.plan.Next.Add(window)):
		case now.Sub(st.lastSuccess) > window:
			bad = append(bad, id.String())
		}
	}
	sort.Strings(bad)
	return bad
}

// Serve listens on addr until ctx ends. It returns once listening, with a
// function that reports a serve error after shutdown.
func Serve(ctx context.Context, addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s (the listen setting): %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx) //nolint:errcheck // shutting down
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was ours; nothing else to report to
		}
	}()
	return ln.Addr().String(), nil
}
