package pipeline

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
	"github.com/gatelog/gatelog/internal/source"
)

// recording keeps every record it is handed, as handed.
type recording struct {
	sink.Sink
	name string
	mu   sync.Mutex
	got  []record.Record
}

func (r *recording) Name() string { return r.name }
func (r *recording) Write(ctx context.Context, id record.StreamID, recs []record.Record) ([]byte, error) {
	r.mu.Lock()
	r.got = append(r.got, recs...)
	r.mu.Unlock()
	return r.Sink.Write(ctx, id, recs)
}

// Each sink receives its schema; sinks that share a schema share one
// mapping of each record (the same bytes), and a raw sink gets the record
// untouched.
func TestEachSinkGetsItsSchemaMappedOnce(t *testing.T) {
	e := newEnv(t)
	sinks := map[string]*recording{}
	e.opts.Sinks = nil
	for _, name := range []string{"o1", "o2", "e", "r"} {
		sinks[name] = &recording{Sink: e.file, name: name}
		e.opts.Sinks = append(e.opts.Sinks, sinks[name])
	}
	e.opts.Schemas = map[string]string{"o1": "ocsf", "o2": "ocsf", "e": "ecs", "r": "raw"}
	st := &scripted{id: record.StreamID{Source: "src", Stream: "a"}, batches: 3}
	if res := Run(t.Context(), []source.Source{newSource(st)}, e.opts); res[0].Status != Done {
		t.Fatalf("results %+v", res)
	}
	o1, o2, ecs, raw := sinks["o1"].got, sinks["o2"].got, sinks["e"].got, sinks["r"].got
	if len(o1) != 30 || len(o2) != 30 || len(ecs) != 30 || len(raw) != 30 {
		t.Fatalf("records: o1 %d, o2 %d, e %d, r %d; want 30 each", len(o1), len(o2), len(ecs), len(raw))
	}
	for i := range o1 {
		if o1[i].Schema != "ocsf" || &o1[i].Event[0] != &o2[i].Event[0] {
			t.Fatalf("record %d: the ocsf sinks got %q and a different mapping", i, o1[i].Schema)
		}
		var ev struct {
			ClassUID *int `json:"class_uid"`
			Metadata struct{ UID string }
		}
		if err := json.Unmarshal(o1[i].Event, &ev); err != nil || ev.ClassUID == nil || ev.Metadata.UID != o1[i].ID {
			t.Fatalf("record %d: not an OCSF event of the record (%v): %s", i, err, o1[i].Event)
		}
		if ecs[i].Schema != "ecs" || !json.Valid(ecs[i].Event) {
			t.Fatalf("record %d: the ecs sink got schema %q, event %s", i, ecs[i].Schema, ecs[i].Event)
		}
		if raw[i].Schema != "" || raw[i].Event != nil {
			t.Fatalf("record %d: the raw sink got a mapped record", i)
		}
	}
}

type namedSource struct {
	fakeSource
	name string
}

func (n *namedSource) Name() string { return n.name }

// A source routed to some sinks reaches those only, and a source's tenant
// is on every record it delivers (in the raw envelope too).
func TestRoutesAndTenants(t *testing.T) {
	e := newEnv(t)
	a, b := &recording{Sink: e.file, name: "a"}, &recording{Sink: e.file, name: "b"}
	e.opts.Sinks = []sink.Sink{a, b}
	e.opts.Routes = map[string][]string{"east": {"b"}}
	e.opts.Tenants = map[string]string{"east": "tenant-42"}
	east := &namedSource{fakeSource{[]source.Stream{&scripted{id: record.StreamID{Source: "east", Stream: "s"}, batches: 2}}}, "east"}
	west := &namedSource{fakeSource{[]source.Stream{&scripted{id: record.StreamID{Source: "west", Stream: "s"}, batches: 2}}}, "west"}
	for _, r := range Run(t.Context(), []source.Source{east, west}, e.opts) {
		if r.Status != Done {
			t.Fatalf("results %+v", r)
		}
	}
	count := func(got []record.Record, src string) (n int, tenants []string) {
		for _, r := range got {
			if r.Source == src {
				n++
				if r.Tenant != "" && !slices.Contains(tenants, r.Tenant) {
					tenants = append(tenants, r.Tenant)
				}
			}
		}
		return n, tenants
	}
	if n, _ := count(a.got, "east"); n != 0 {
		t.Errorf("sink a got %d records of east, which is routed to b only", n)
	}
	if n, tenants := count(b.got, "east"); n != 20 || !slices.Equal(tenants, []string{"tenant-42"}) {
		t.Errorf("sink b got %d records of east with tenants %v, want 20 with tenant-42", n, tenants)
	}
	for _, s := range []*recording{a, b} {
		if n, tenants := count(s.got, "west"); n != 20 || tenants != nil {
			t.Errorf("sink %s got %d records of west with tenants %v, want 20 and none", s.name, n, tenants)
		}
	}
	i := slices.IndexFunc(b.got, func(r record.Record) bool { return r.Source == "east" })
	if env := b.got[i].AppendEnvelope(nil); !strings.Contains(string(env), `"source":"east","tenant":"tenant-42","stream"`) {
		t.Errorf("envelope %s lacks the tenant", env)
	}
}
