package elff

import "testing"

// BenchmarkParseLine is the hot path of the Symantec source: split one
// default 76-field line, render it as JSON and read its time.
func BenchmarkParseLine(b *testing.B) {
	p := NewParser(1 << 20)
	if _, err := p.Line([]byte(defaultFields)); err != nil {
		b.Fatal(err)
	}
	line := []byte(sampleLine)
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Line(line); err != nil {
			b.Fatal(err)
		}
		buf = p.AppendJSON(buf[:0])
		if _, err := p.Time(); err != nil {
			b.Fatal(err)
		}
	}
}
