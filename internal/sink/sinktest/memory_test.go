package sinktest

import (
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

func memoryHarness() Harness {
	var m *Memory // the sink of the latest New
	return Harness{
		New: func(t *testing.T) (sink.Sink, Reader) {
			m = NewMemory("memory")
			mem := m
			return mem, func(t *testing.T, id record.StreamID) []record.Record { return mem.Records(id) }
		},
		FailNext:    func(t *testing.T, kind FailKind) { m.FailNext(kind) },
		ExactlyOnce: true,
	}
}

func TestMemory(t *testing.T) { Run(t, memoryHarness()) }
