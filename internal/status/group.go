package status

import (
	"slices"
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/source"
)

// FoldAbove is how many streams the page shows without folding: beyond it,
// troubled sources come first and a source whose streams are all healthy
// (none failing or waiting) shows only its summary row until asked for
// (?open=SOURCE).
const FoldAbove = 50

// maxOpenRows bounds the stream rows that troubled sources show by
// themselves when folding: they open in the page's order while their rows
// fit, so that an outage of every source does not make a page of
// megabytes every 5 seconds. The rest stay folded, their summary red or
// amber at the top.
const maxOpenRows = 100

// Group is one source as the page shows it: a summary of its streams,
// then their rows.
type Group struct {
	SourceInfo
	Rows []Row // its streams, sorted by name
	// OK, Waiting, Failing, Starting and Elsewhere (run by another
	// instance) count its streams by tone.
	OK, Waiting, Failing, Starting, Elsewhere int
	// Tone is the worst of its streams': bad, warn, idle (some starting,
	// none troubled), else ok.
	Tone Tone
	// WorstLag is the largest lag of its streams that have delivered an
	// event, LagStream that stream ("" when none has).
	WorstLag  time.Duration
	LagStream string
	// RecordsToday sums its streams' records today.
	RecordsToday uint64
	// Budget sums the request budgets of its streams that have one; nil
	// when none has.
	Budget *GroupBudget
	// LastError is the latest error of any of its streams, ErrorStream
	// that stream, LastErrorAt when.
	LastError, ErrorStream string
	LastErrorAt            time.Time
}

// GroupBudget is a source's streams' request budgets together.
type GroupBudget struct {
	Streams     int // streams with a budget
	Used, Limit int // summed over them
	Spent       int // streams with no request left
	// Fullest is the stream that has used the largest share of its
	// budget, and that budget.
	Fullest       string
	FullestBudget source.Budget
}

// Troubled says whether a stream of the group is failing or waiting.
func (g *Group) Troubled() bool { return g.Failing+g.Waiting > 0 }

// Groups returns one group per source in the page's order: by name; beyond
// FoldAbove streams, failing sources first, then waiting ones, then the
// rest, each by name. A small page keeps its order, so that its rows do
// not move each time a stream is throttled for a second.
func (b *Board) Groups() []Group {
	b.mu.Lock()
	defer b.mu.Unlock()
	return groupsOf(b.rows(b.now().UTC()), b.sources)
}

// groupsOf groups rows, sorted by source then stream, by source, in the
// order of Groups.
func groupsOf(rows []Row, info map[string]SourceInfo) []Group {
	var out []Group
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].ID.Source == rows[i].ID.Source {
			j++
		}
		out = append(out, groupOf(rows[i:j:j], info[rows[i].ID.Source]))
		i = j
	}
	if len(rows) > FoldAbove {
		slices.SortStableFunc(out, func(a, b Group) int {
			if c := rank(a.Tone) - rank(b.Tone); c != 0 {
				return c
			}
			return strings.Compare(a.Name, b.Name)
		})
	}
	return out
}

// rank orders groups: failing, waiting, then the rest.
func rank(t Tone) int {
	switch t {
	case ToneBad:
		return 0
	case ToneWarn:
		return 1
	}
	return 2
}

func groupOf(rows []Row, info SourceInfo) Group {
	g := Group{SourceInfo: info, Rows: rows}
	g.Name = rows[0].ID.Source
	for _, r := range rows {
		switch r.Tone {
		case ToneOK:
			g.OK++
		case ToneWarn:
			g.Waiting++
		case ToneBad:
			g.Failing++
		case ToneOther:
			g.Elsewhere++
		default:
			g.Starting++
		}
		g.RecordsToday += r.RecordsToday
		if !r.Newest.IsZero() && (g.LagStream == "" || r.Lag > g.WorstLag) {
			g.WorstLag, g.LagStream = r.Lag, r.ID.Stream
		}
		if r.LastError != "" && (g.ErrorStream == "" || r.LastErrorAt.After(g.LastErrorAt)) {
			g.LastError, g.ErrorStream, g.LastErrorAt = r.LastError, r.ID.Stream, r.LastErrorAt
		}
		if r.Budget != nil {
			g.addBudget(r.ID.Stream, *r.Budget)
		}
	}
	switch {
	case g.Failing > 0:
		g.Tone = ToneBad
	case g.Waiting > 0:
		g.Tone = ToneWarn
	case g.Starting > 0:
		g.Tone = ToneIdle
	default:
		g.Tone = ToneOK
	}
	return g
}

func (g *Group) addBudget(stream string, b source.Budget) {
	if g.Budget == nil {
		g.Budget = &GroupBudget{}
	}
	gb := g.Budget
	gb.Streams++
	gb.Used += max(b.Used, 0)
	gb.Limit += max(b.Limit, 0)
	if noneLeft(b) {
		gb.Spent++
	}
	if gb.Fullest == "" || fuller(b, gb.FullestBudget) {
		gb.Fullest, gb.FullestBudget = stream, b
	}
}

// noneLeft says that a budget has no request left.
func noneLeft(b source.Budget) bool { return b.Remaining <= 0 && b.Limit > 0 }

// fuller says whether a has used a larger share of its budget than b.
func fuller(a, b source.Budget) bool {
	if noneLeft(a) != noneLeft(b) {
		return noneLeft(a)
	}
	if a.Limit <= 0 || b.Limit <= 0 {
		return b.Limit <= 0 && a.Limit > 0
	}
	return int64(a.Used)*int64(b.Limit) > int64(b.Used)*int64(a.Limit)
}

// opened says which groups show their streams: all of them up to
// FoldAbove streams; beyond, the ones asked for and the troubled ones in
// order while their rows fit in maxOpenRows. auto marks the groups open
// by themselves.
func opened(groups []Group, asked map[string]bool) (open, auto []bool) {
	open, auto = make([]bool, len(groups)), make([]bool, len(groups))
	total := 0
	for _, g := range groups {
		total += len(g.Rows)
	}
	shown := 0
	for i, g := range groups {
		switch {
		case total <= FoldAbove:
			auto[i] = true
		case g.Troubled() && shown+len(g.Rows) <= maxOpenRows:
			auto[i] = true
			shown += len(g.Rows)
		}
		open[i] = auto[i] || asked[g.Name]
	}
	return open, auto
}
