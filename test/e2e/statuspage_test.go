package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gatelog/gatelog/internal/simulator"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
	"github.com/gatelog/gatelog/internal/testutil"
)

// The status page of a running "gatelog demo --live", as headless Chromium
// renders it: one row per stream with its state, records today, budget and
// a drawn chart; it reloads itself and loads nothing from anywhere. With
// GATELOG_SCREENSHOT=FILE it also saves a PNG of the page (make screenshot).
func TestStatusPage(t *testing.T) {
	chromium := chromiumPath(t)
	shot := os.Getenv("GATELOG_SCREENSHOT")
	timeout := 2 * time.Minute
	if shot != "" {
		timeout = 4 * time.Minute // the screenshot waits for a few minutes of chart
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	start := time.Now()
	url := startLiveDemo(t, ctx)
	checkPageHeaders(t, url)
	browser := newBrowser(t, ctx, chromium)
	requests := recordRequests(t, browser)
	if err := chromedp.Do(browser, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Logf("browser on the page after %v", time.Since(start).Round(time.Millisecond))

	p := waitForCollection(t, browser)
	t.Logf("every stream shown collecting after %v", time.Since(start).Round(time.Millisecond))
	checkRows(t, p)
	checkSelfRefresh(t, browser, p.Updated)
	t.Logf("page reloaded itself after %v", time.Since(start).Round(time.Millisecond))
	p = readPage(t, browser)
	if p.Resources != 0 {
		t.Errorf("the page loaded %d resources", p.Resources)
	}
	for _, u := range requests() {
		if u != url && !strings.HasPrefix(u, "data:") {
			t.Errorf("the browser requested %s: the page must load nothing but itself", u)
		}
	}
	if shot != "" {
		waitForMinutes(t, browser, 3)
		screenshot(t, browser, shot)
	}
}

// chromiumPath is $CHROMIUM or Debian's chromium. A missing browser fails
// the test: skipping would hide a broken page.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		t.Fatalf("no browser at %s (%v): install Debian's chromium: sudo apt-get install -y chromium (or run scripts/test-deps.sh), or set CHROMIUM", path, err)
	}
	return path
}

// startLiveDemo runs the built gatelog demo --live on a free port, waits
// until its page answers and returns the page's URL. It stops the demo with
// SIGINT at the end of the test.
func startLiveDemo(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	stdout, stderr := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	cmd := gatelogCmd(dir, "demo", "--live", "--dir", filepath.Join(dir, "demo"), "--listen", addr,
		"--poll-interval", "1s", "--records", "200")
	var err error
	if cmd.Stdout, err = os.Create(stdout); err != nil {
		t.Fatal(err)
	}
	if cmd.Stderr, err = os.Create(stderr); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gatelog demo: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	output := func() string {
		return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", readFile(t, stdout), readFile(t, stderr))
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-done:
			if err != nil {
				t.Logf("gatelog demo ended with %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("gatelog demo did not stop within 30s of SIGINT\n%s", output())
		}
	})
	url := "http://" + addr + "/"
	for {
		select {
		case err := <-done:
			t.Fatalf("gatelog demo ended before its page answered: %v\n%s", err, output())
		case <-ctx.Done():
			t.Fatalf("the status page at %s did not answer\n%s", url, output())
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(readFile(t, stdout), "status page:   "+url+"\n") {
				return url
			}
		}
	}
}

// freeAddr is a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// checkPageHeaders reads the page without a browser: its policy forbids
// loading anything, and no demo credential is on it.
func checkPageHeaders(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Content-Security-Policy"); got != "default-src 'none'; style-src 'unsafe-inline'; img-src data:" {
		t.Errorf("Content-Security-Policy %q", got)
	}
	body := get(t, url, 200)
	for _, secret := range []string{simulator.DemoToken, simulator.DemoSWGUsername, simulator.DemoSWGPassword} {
		if strings.Contains(body, secret) {
			t.Errorf("a demo credential (%q) is on the status page", secret)
		}
	}
}

func newBrowser(t *testing.T, ctx context.Context, path string) context.Context {
	t.Helper()
	var out testutil.SyncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true), chromedp.CombinedOutput(&out))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// Closing the browser before the user data folder is removed: cleanups
	// run last-registered first.
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		if t.Failed() {
			t.Logf("chromium output:\n%s", out.String())
		}
	})
	return bctx
}

// recordRequests starts the browser and returns what it has requested so
// far.
func recordRequests(t *testing.T, browser context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var urls []string
	err := chromedp.Listen(browser, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil {
			mu.Lock()
			urls = append(urls, e.Request.URL)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(urls)
	}
}

// pageView is what the browser shows, read by script in the page.
type pageView struct {
	Updated   string    `json:"updated"`
	Resources int       `json:"resources"`
	Rows      []rowView `json:"rows"`
}

type rowView struct {
	Name       string  `json:"name"`
	State      string  `json:"state"`
	Today      string  `json:"today"`
	Budget     string  `json:"budget"`
	Meters     int     `json:"meters"`
	MeterW     float64 `json:"meterW"`
	Charts     int     `json:"charts"`
	ChartW     float64 `json:"chartW"`
	ChartH     float64 `json:"chartH"`
	ChartTitle string  `json:"chartTitle"`
	Bars       int     `json:"bars"`
	TallBars   int     `json:"tallBars"` // bars drawn with a height
}

// readPageJS reads the rendered rows: text as shown, and the boxes the
// layout gave the chart and its bars.
const readPageJS = `(() => {
  const text = (el) => el ? el.textContent.trim() : "";
  const rows = [...document.querySelectorAll("tr.stream")].map((tr) => {
    const svg = tr.querySelector("td.chart svg");
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const bars = svg ? [...svg.querySelectorAll("rect")] : [];
    const meter = tr.querySelector("td.budget .meter");
    return {
      name: tr.dataset.stream,
      state: text(tr.querySelector(".state")),
      today: text(tr.querySelector("td.today")),
      budget: text(tr.querySelector("td.budget .budget-text")),
      meters: tr.querySelectorAll("td.budget .meter").length,
      meterW: meter ? meter.getBoundingClientRect().width : 0,
      charts: tr.querySelectorAll("svg").length,
      chartW: box.width, chartH: box.height,
      chartTitle: svg && svg.querySelector(":scope > title") ? svg.querySelector(":scope > title").textContent : "",
      bars: bars.length,
      tallBars: bars.filter((b) => b.getBoundingClientRect().height > 0).length,
    };
  });
  return {updated: text(document.getElementById("updated")),
    resources: performance.getEntriesByType("resource").length, rows};
})()`

// readPage reads the page, again when the read meets the page reloading.
func readPage(t *testing.T, browser context.Context) pageView {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := chromedp.Run(browser, chromedp.Evaluate[pageView](readPageJS))
		if err == nil {
			return p
		}
		if time.Now().After(deadline) || browser.Err() != nil {
			t.Fatalf("read the page: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// wantStreams are the demo's streams in the page's order.
func wantStreams() []string {
	var names []string
	for _, typ := range forcepoint.LogTypes() {
		names = append(names, "demo-forcepoint/"+typ)
	}
	slices.Sort(names)
	return append(names, "demo-symantec/accesslog", "demo-symantec/audit")
}

// waitForCollection reads the page until every Forcepoint stream shows
// records today (the page reloads itself, so the test only reads), bounded
// by the browser's context.
func waitForCollection(t *testing.T, browser context.Context) pageView {
	t.Helper()
	var p pageView
	var err error
	for {
		p, err = chromedp.Run(browser, chromedp.Evaluate[pageView](readPageJS))
		if err == nil && collected(p) {
			return p
		}
		select {
		case <-browser.Done():
			t.Fatalf("the page never showed every Forcepoint stream collecting: %v\nlast read: %+v", err, p)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func collected(p pageView) bool {
	if len(p.Rows) != len(wantStreams()) {
		return false
	}
	for _, r := range p.Rows {
		if strings.HasPrefix(r.Name, "demo-forcepoint/") && shownCount(r.Today) <= 0 {
			return false
		}
	}
	return true
}

// shownCount is a shown number ("1,234"), or -1 when it is none.
func shownCount(s string) int {
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		return -1
	}
	return n
}

var shownState = regexp.MustCompile(`^(starting|collecting|caught up|(waiting for budget|throttled) until (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2} UTC)$`)

func checkRows(t *testing.T, p pageView) {
	t.Helper()
	var names []string
	for _, r := range p.Rows {
		names = append(names, r.Name)
	}
	if want := wantStreams(); !slices.Equal(names, want) {
		t.Fatalf("rows %v, want %v", names, want)
	}
	for _, r := range p.Rows {
		fp := strings.HasPrefix(r.Name, "demo-forcepoint/")
		if !shownState.MatchString(r.State) {
			t.Errorf("%s: state %q", r.Name, r.State)
		}
		if n := shownCount(r.Today); n < 0 || fp && n == 0 {
			t.Errorf("%s: records today %q", r.Name, r.Today)
		}
		if r.Charts != 1 || r.ChartW <= 0 || r.ChartH <= 0 || r.Bars != 60 {
			t.Errorf("%s: %d charts, the first %vx%v px with %d bars; want one drawn chart of 60 bars", r.Name, r.Charts, r.ChartW, r.ChartH, r.Bars)
		}
		if !strings.HasPrefix(r.ChartTitle, r.Name+": records per minute over the last 60 minutes") {
			t.Errorf("%s: chart title %q", r.Name, r.ChartTitle)
		}
		if shownCount(r.Today) > 0 && r.TallBars == 0 {
			t.Errorf("%s: %s records today and no bar in the chart", r.Name, r.Today)
		}
		switch {
		case fp && (r.Meters != 1 || r.MeterW <= 0 || !regexp.MustCompile(`^\d[\d,]* / 300$`).MatchString(r.Budget)):
			t.Errorf("%s: budget %q with %d bars %v px wide, want a bar and N / 300", r.Name, r.Budget, r.Meters, r.MeterW)
		case !fp && (r.Meters != 0 || r.Budget != "—"):
			t.Errorf("%s: budget %q with %d bars, want —", r.Name, r.Budget, r.Meters)
		}
	}
}

// checkSelfRefresh marks the loaded document, then waits, without
// reloading, for a new document with a newer "updated" time: the meta
// refresh at work in a real browser.
func checkSelfRefresh(t *testing.T, browser context.Context, updated string) {
	t.Helper()
	if updated == "" {
		t.Fatal("no updated time on the page")
	}
	if err := chromedp.Do(browser, chromedp.Evaluate[chromedp.Void](`window.gatelogTestMark = true`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		// Evaluating while the page navigates may fail: read again.
		v, err := chromedp.Run(browser, chromedp.Evaluate[struct {
			Marked  bool   `json:"marked"`
			Updated string `json:"updated"`
		}](`({marked: window.gatelogTestMark === true, updated: (document.getElementById("updated") || {}).textContent || ""})`))
		if err == nil && !v.Marked && v.Updated != "" && v.Updated != updated {
			return
		}
		if errors.Is(err, context.DeadlineExceeded) || browser.Err() != nil {
			break
		}
	}
	t.Fatalf("the page did not reload itself within 15s (it showed %q)", updated)
}

// waitForMinutes waits until the Forcepoint charts have bars in n minutes,
// so that the screenshot shows what the chart is for.
func waitForMinutes(t *testing.T, browser context.Context, n int) {
	t.Helper()
	for {
		p := readPage(t, browser)
		enough := len(p.Rows) > 0
		for _, r := range p.Rows {
			if strings.HasPrefix(r.Name, "demo-forcepoint/") && r.TallBars < n {
				enough = false
			}
		}
		if enough {
			return
		}
		select {
		case <-browser.Done():
			t.Fatalf("the charts never showed %d minutes", n)
		case <-time.After(5 * time.Second):
		}
	}
}

func screenshot(t *testing.T, browser context.Context, path string) {
	t.Helper()
	// Quality 100 makes chromedp capture a PNG (anything lower is a JPEG).
	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("save the screenshot: %v", err)
	}
	t.Logf("saved %s (%d KB)", path, len(png)/1024)
}
