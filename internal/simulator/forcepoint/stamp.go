package forcepoint

import "time"

// stamp is a broken-down UTC time. Records carry the same instant in three
// or four layouts; formatting them by hand from one stamp is several times
// cheaper than time.AppendFormat, which matters at 500k records.
type stamp struct {
	year, month, day, hour, min, sec int
}

func stampOf(t time.Time) stamp {
	t = t.UTC()
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	return stamp{y, int(m), d, hh, mm, ss}
}

var monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func (s stamp) appendClock(b []byte) []byte {
	b = append2(b, s.hour)
	b = append(b, ':')
	b = append2(b, s.min)
	b = append(b, ':')
	return append2(b, s.sec)
}

// appendLog writes the vendor's event time layout, "%d %b %Y %H:%M:%S".
func (s stamp) appendLog(b []byte) []byte {
	b = append2(b, s.day)
	b = append(b, ' ')
	b = append(b, monthAbbr[s.month-1]...)
	b = append(b, ' ')
	b = append4(b, s.year)
	b = append(b, ' ')
	return s.appendClock(b)
}

// appendISO writes "2021-12-23<sep>16:57:46".
func (s stamp) appendISO(b []byte, sep byte) []byte {
	b = append4(b, s.year)
	b = append(b, '-')
	b = append2(b, s.month)
	b = append(b, '-')
	b = append2(b, s.day)
	b = append(b, sep)
	return s.appendClock(b)
}

// Layouts of times outside the records (query parameters, tokens, headers).
const (
	layoutStartDate = "2006-01-02T15:04:05Z"
	layoutTokenTime = "2006-01-02T15:04:05.000000Z"
	layoutResetTime = "2006-01-02 15:04:05+00:00"
)
