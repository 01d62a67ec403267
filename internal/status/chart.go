package status

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// The chart's geometry in SVG user units: Minutes bars of barW, one every
// barStep, above a baseline, with the scale's labels to the right.
const (
	barW      = 2
	barStep   = 3
	plotW     = Minutes * barStep
	plotTop   = 4
	plotH     = 28
	baseY     = plotTop + plotH
	chartH    = baseY + 4
	labelX    = plotW + 6
	chartW    = labelX + 34
	labelSize = 10
)

// chart is one stream's records per minute, drawn as inline SVG bars.
type chart struct {
	Title                  string
	Width, Height          int
	BaseY, PlotW, LabelX   int
	MaxY, ZeroY, LabelSize int
	Peak                   int    // the largest count
	Max                    string // Peak, short, for the scale
	Bars                   []bar
	Grid                   []gridLine // every 15 minutes, to read the time
}

// gridLine is a faint vertical line between two minutes.
type gridLine struct{ X, Y1, Y2 int }

// bar is one minute; H is 0 for a minute without records.
type bar struct {
	X, Y, W, H int
	Title      string
}

// chartOf draws counts (oldest first, the last is now's minute) scaled to
// their peak, so that a quiet stream still shows its shape.
func chartOf(name string, counts []int, now time.Time) chart {
	peak, total, peakAt := 0, 0, 0
	for i, n := range counts {
		total += n
		if n > peak {
			peak, peakAt = n, i
		}
	}
	c := chart{Width: chartW, Height: chartH, BaseY: baseY, PlotW: plotW, LabelX: labelX,
		MaxY: plotTop + labelSize - 2, ZeroY: baseY + 2, LabelSize: labelSize, Max: short(peak), Peak: peak}
	for m := 15; m < len(counts); m += 15 {
		c.Grid = append(c.Grid, gridLine{X: m*barStep - 1, Y1: plotTop, Y2: baseY})
	}
	cur := now.UTC().Truncate(time.Minute)
	minuteAt := func(i int) time.Time { return cur.Add(-time.Duration(len(counts)-1-i) * time.Minute) }
	for i, n := range counts {
		h := 0
		if peak > 0 && n > 0 {
			h = max(1, (n*plotH+peak-1)/peak) // ceil: the smallest count stays visible
		}
		c.Bars = append(c.Bars, bar{X: i * barStep, Y: baseY - h, W: barW, H: h,
			Title: fmt.Sprintf("%s UTC: %s records", minuteAt(i).Format("15:04"), thousands(uint64(n)))})
	}
	c.Title = fmt.Sprintf("%s: records per minute over the last %d minutes (%s to %s UTC), %s in all",
		name, len(counts), minuteAt(0).Format("15:04"), cur.Format("15:04"), thousands(uint64(total)))
	if peak > 0 {
		c.Title += fmt.Sprintf(", peak %s at %s UTC", thousands(uint64(peak)), minuteAt(peakAt).Format("15:04"))
	}
	return c
}

// short writes a count in at most four characters for the scale label.
func short(n int) string {
	switch {
	case n < 1000:
		return strconv.Itoa(n)
	case n < 10_000:
		return fmt.Sprintf("%d.%dk", n/1000, n%1000/100) // truncated, never "10.0k"
	case n < 1_000_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}

// svg draws the chart as inline SVG. It is written here rather than in the
// page's template: a page of hundreds of charts renders several times
// faster so. Every text in it is escaped.
func (c chart) svg() template.HTML {
	var b strings.Builder
	b.Grow(1200 + len(c.Bars)*16)
	w, h := strconv.Itoa(c.Width), strconv.Itoa(c.Height)
	b.WriteString(`<svg class="chart" role="img" width="` + w + `" height="` + h + `" viewBox="0 0 ` + w + " " + h +
		`" xmlns="http://www.w3.org/2000/svg"><title>` + template.HTMLEscapeString(c.Title) + "</title>\n")
	for _, g := range c.Grid {
		x := strconv.Itoa(g.X)
		b.WriteString(`<line class="grid" x1="` + x + `.5" y1="` + strconv.Itoa(g.Y1) + `" x2="` + x + `.5" y2="` + strconv.Itoa(g.Y2) + `"></line>`)
	}
	y := strconv.Itoa(c.BaseY)
	b.WriteString(`<line x1="0" y1="` + y + `.5" x2="` + strconv.Itoa(c.PlotW) + `" y2="` + y + `.5"></line>`)
	for _, r := range c.Bars {
		b.WriteString(`<rect x="` + strconv.Itoa(r.X) + `" y="` + strconv.Itoa(r.Y) + `" width="` + strconv.Itoa(r.W) + `" height="` + strconv.Itoa(r.H) + `">`)
		if r.H > 0 { // a bar without height cannot be pointed at: no title
			b.WriteString("<title>" + template.HTMLEscapeString(r.Title) + "</title>")
		}
		b.WriteString("</rect>")
	}
	b.WriteString("\n")
	label := func(y int, text string) {
		b.WriteString(`<text x="` + strconv.Itoa(c.LabelX) + `" y="` + strconv.Itoa(y) + `" font-size="` + strconv.Itoa(c.LabelSize) + `">` +
			template.HTMLEscapeString(text) + "</text>")
	}
	if c.Peak > 0 {
		label(c.MaxY, c.Max)
	}
	label(c.ZeroY, "0")
	b.WriteString("</svg>")
	return template.HTML(b.String()) //nolint:gosec // built above, every text escaped
}
