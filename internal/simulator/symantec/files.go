package symantec

import (
	"archive/zip"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The list and download APIs serve whole hours only ("restricts a client
// from receiving partial hour data"), with the same members and lines as
// the sync API.

const hourMS = int64(time.Hour / time.Millisecond)

// podParams checks what list and download share: the bare api flag and
// type=hour (type=day is plausible but unverified, so we refuse it).
func podParams(q url.Values) string {
	if !q.Has("api") {
		return "missing api parameter"
	}
	if t := q.Get("type"); t != "hour" {
		return "Invalid type " + strconv.Quote(t) + ": only hour is supported"
	}
	return ""
}

// listItem is one hour the list API offers. Only date (the epoch-ms hour
// id SEKOIA reads) is documented; size and type, like the answer's
// "total", are our choice, so a client must not need them.
type listItem struct {
	Date int64  `json:"date"`
	Size int64  `json:"size"`
	Type string `json:"type"`
}

// serveList answers /reportpod/logs/list with the complete hours that hold
// data in [floor(startDate), endDate); endDate 0 means now.
func (s *Server) serveList(w http.ResponseWriter, q url.Values, now time.Time) int {
	from, to, off, limit, msg := listParams(q, now)
	if msg != "" {
		return writeText(w, http.StatusBadRequest, msg)
	}
	hours := s.completeHours(hourOf(from), to, now)
	items := []listItem{}
	for k := off; k < len(hours) && len(items) < limit; k++ {
		items = append(items, listItem{Date: hours[k].UnixMilli(), Size: s.hourSize(hours[k]), Type: "hour"})
	}
	b, _ := json.Marshal(map[string]any{"items": items, "total": len(hours)})
	return writeBody(w, http.StatusOK, "application/json", b)
}

func listParams(q url.Values, now time.Time) (from, to time.Time, off, limit int, msg string) {
	if msg = podParams(q); msg != "" {
		return
	}
	var ok1, ok2 bool
	from, ok1 = epochMS(q.Get("startDate"))
	to, ok2 = epochMS(q.Get("endDate"))
	if to.UnixMilli() == 0 {
		to = now
	}
	off, ok3 := intParam(q, "start", 0)
	limit, ok4 := intParam(q, "limit", 1000)
	switch {
	case !ok1 || !ok2:
		msg = "Invalid startDate or endDate: expected epoch milliseconds"
	case !to.After(from):
		msg = "startDate must be earlier than endDate"
	case !ok3 || !ok4 || limit < 1:
		msg = "Invalid start or limit"
	}
	return
}

// intParam parses an optional non-negative integer.
func intParam(q url.Values, key string, def int) (int, bool) {
	if !q.Has(key) {
		return def, true
	}
	n, err := strconv.Atoi(q.Get(key))
	return n, err == nil && n >= 0
}

// completeHours lists the hours from h up to end that are over and hold
// lines; the current hour is never listed.
func (s *Server) completeHours(h, end, now time.Time) []time.Time {
	if h.Before(s.start) {
		h = s.start
	}
	var out []time.Time
	for last := s.lastHour(now); !h.After(last) && h.Before(end) && complete(h, now); h = h.Add(time.Hour) {
		if s.count(h, now) > 0 {
			out = append(out, h)
		}
	}
	return out
}

// hourSize is the uncompressed ELFF size of a complete hour's members (our
// choice of unit; the docs do not say). Complete hours never change, so
// sizes are cached.
func (s *Server) hourSize(h time.Time) int64 {
	s.mu.Lock()
	n, ok := s.sizes[h]
	s.mu.Unlock()
	if ok {
		return n
	}
	s.forMembers(h, h.Add(time.Hour), func(c chunk) {
		n += int64(len(memberHeader(c.h, c.m, memberFields(c.h, c.m))))
		for _, l := range c.lines {
			n += int64(len(l) + 1)
		}
	})
	s.mu.Lock()
	s.sizes[h] = n
	s.mu.Unlock()
	return n
}

// forMembers calls f with each whole member of complete hour h, one at a
// time, so that a download never holds more than one member.
func (s *Server) forMembers(h, now time.Time, f func(chunk)) {
	n := s.count(h, now)
	for m := 0; m*s.cfg.LinesPerMember < n; m++ {
		c := chunk{h: h, m: m}
		for i := m * s.cfg.LinesPerMember; i < min(n, (m+1)*s.cfg.LinesPerMember); i++ {
			c.lines = append(c.lines, s.raw(h, i))
		}
		f(c)
	}
}

// serveDownload answers /reportpod/logs/download with a ZIP of the
// requested hours' members, without a sync trailer.
func (s *Server) serveDownload(w http.ResponseWriter, q url.Values, now time.Time) int {
	hours, msg := downloadItems(q, now)
	if msg != "" {
		return writeText(w, http.StatusBadRequest, msg)
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="cloud_archive_`+now.UTC().Format("20060102150405")+`.zip"`)
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	for _, h := range hours {
		s.forMembers(h, now, func(c chunk) {
			gz := gzipMember(memberHeader(c.h, c.m, memberFields(c.h, c.m)), c.lines)
			_ = writeStored(zw, s.memberName(c.h, c.m), c.h, gz) // fails only if the client left
		})
	}
	_ = zw.Close()
	return http.StatusOK
}

// downloadItems parses items: comma-separated epoch-ms hour ids of
// complete hours. Dates such as 2026-11-20 are refused (the BLOG's form).
func downloadItems(q url.Values, now time.Time) ([]time.Time, string) {
	if msg := podParams(q); msg != "" {
		return nil, msg
	}
	if q.Get("items") == "" {
		return nil, "missing items parameter"
	}
	var hours []time.Time
	seen := map[int64]bool{}
	for _, it := range strings.Split(q.Get("items"), ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(it), 10, 64)
		if err != nil || n < 0 || n%hourMS != 0 {
			return nil, "Invalid item " + strconv.Quote(it) + ": expected an hour id in epoch milliseconds"
		}
		h := time.UnixMilli(n).UTC()
		if !complete(h, now) {
			return nil, "hour not complete: " + it
		}
		if !seen[n] {
			seen[n] = true
			hours = append(hours, h)
		}
	}
	return hours, ""
}
