package elff

import (
	"fmt"
	"time"
)

// Time returns the event time of the last data line from its "date"
// (YYYY-MM-DD) and "time" (HH:MM:SS, optional fraction) columns, which ELFF
// writes in UTC. It returns ErrNoTime when #Fields has no such columns (the
// caller quarantines the line: a record without a time cannot be ordered)
// and ErrTime when they do not parse. It is parsed by hand because it runs
// once per line and time.Parse would need the two columns joined.
func (p *Parser) Time() (time.Time, error) {
	if p.date < 0 || p.clock < 0 {
		return time.Time{}, fmt.Errorf("%w: #Fields names %d columns, \"date\" and \"time\" are not both among them", ErrNoTime, len(p.fields))
	}
	if p.date >= len(p.vals) || p.clock >= len(p.vals) {
		return time.Time{}, fmt.Errorf("%w: line has %d values", ErrFieldCount, len(p.vals))
	}
	d, c := p.vals[p.date], p.vals[p.clock]
	y, mo, dd, ok := parseDate(d)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: date %q is not YYYY-MM-DD", ErrTime, d)
	}
	h, mi, s, ns, ok := parseClock(c)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: time %q is not HH:MM:SS", ErrTime, c)
	}
	return time.Date(y, time.Month(mo), dd, h, mi, s, ns, time.UTC), nil
}

func parseDate(b []byte) (y, m, d int, ok bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseClock accepts second 60 (a leap second; time.Date rolls it over)
// because rejecting it would quarantine a genuine line.
func parseClock(b []byte) (h, m, s, ns int, ok bool) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, 0, 0, false
	}
	h, ok1 := digits(b[0:2])
	m, ok2 := digits(b[3:5])
	s, ok3 := digits(b[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 60 {
		return 0, 0, 0, 0, false
	}
	frac := b[8:]
	if len(frac) == 0 {
		return h, m, s, 0, true
	}
	if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
		return 0, 0, 0, 0, false
	}
	ns, ok = digits(frac[1:])
	for i := len(frac) - 1; i < 9; i++ {
		ns *= 10
	}
	return h, m, s, ns, ok
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
