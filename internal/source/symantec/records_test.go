package symantec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/symantec/archive"
	"github.com/gatelog/gatelog/internal/source/symantec/elff"
)

// Records' Fields are written back to back into arena blocks: each is the
// parser's JSON for its line, valid, capped so that no append reaches the
// next, also for lines whose escapes outgrow the room the parser asks for.
func TestConverterArena(t *testing.T) {
	var recs []record.Record
	c := newConverter("wss", archive.DefaultLimits(), func(r record.Record) error { recs = append(recs, r); return nil },
		func(q source.Quarantined) error { return fmt.Errorf("quarantined %s", q.Reason) })
	c.chunks = &chunkPool{}
	ref := elff.NewParser(0)
	header := "#Fields: date time cs-host x-bluecoat-transaction-uuid"
	lines := []string{header}
	for i := range 3000 {
		host := "example.com"
		switch i % 3 {
		case 1: // every byte of the value needs a JSON escape or decoding
			host = `"` + strings.Repeat(`\"`, 20) + strings.Repeat("\xe9\x01", 400) + `"`
		case 2:
			host = strings.Repeat("h", 3000)
		}
		lines = append(lines, fmt.Sprintf("2026-12-06 10:00:%02d %s u-%d", i%60, host, i))
	}
	var want [][]byte
	for n, l := range lines {
		if _, err := ref.Line([]byte(l)); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			want = append(want, ref.AppendJSON(nil))
		}
		if err := c.line(archive.Line{Member: "m.gz", Number: n + 1, Bytes: []byte(l)}); err != nil {
			t.Fatal(err)
		}
		if n == 1500 {
			c.newArena()
		}
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if !bytes.Equal(r.Fields, want[i]) || !json.Valid(r.Fields) || cap(r.Fields) != len(r.Fields) {
			t.Fatalf("record %d: fields %.80q (cap %d), want %.80q", i, r.Fields, cap(r.Fields), want[i])
		}
	}
}

// A block goes back into use only once the batch after the one that held
// it has been received.
func TestChunkPoolReusesOnceTheNextBatchIsReceived(t *testing.T) {
	p := &chunkPool{}
	first := p.get(10)
	first = append(first, 1)
	p.received() // batch 1, being written now
	second := p.get(10)
	if &second[:1][0] == &first[0] {
		t.Fatal("batch 1's block reused while batch 1 may still be written")
	}
	p.received() // batch 2: the pipeline is done with batch 1
	if again := p.get(10); &again[:1][0] != &first[0] || len(again) != 0 {
		t.Fatal("batch 1's block not reused for batch 3")
	}
	if big := p.get(arenaChunk + 1); cap(big) <= arenaChunk {
		t.Fatalf("block of %d bytes for %d", cap(big), arenaChunk+1)
	}
	var nilPool *chunkPool
	if b := nilPool.get(5); cap(b) < arenaChunk {
		t.Fatal("a nil pool hands out short blocks")
	}
}
