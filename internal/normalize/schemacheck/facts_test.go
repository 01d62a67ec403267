package schemacheck

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck/internal/facts"
)

// TestEmbeddedFactsHoldKnownFacts reads the embedded files as written and as
// linked for checking, and looks for facts anyone can verify in the OCSF
// and ECS documentation.
func TestEmbeddedFactsHoldKnownFacts(t *testing.T) {
	var o facts.OCSF
	if err := json.Unmarshal(ocsfFacts, &o); err != nil {
		t.Fatal(err)
	}
	if o.Version != "1.8.0" || o.Categories["network"] != 4 || o.Classes[4002].Name != "http_activity" {
		t.Errorf("OCSF header facts: version %q, network category %d, class 4002 %q",
			o.Version, o.Categories["network"], o.Classes[4002].Name)
	}
	if a := o.Classes[4002].Attributes["http_request"]; a.Type != "object_t" || a.ObjectType != "http_request" {
		t.Errorf("class 4002 http_request = %+v, want the http_request object", a)
	}
	if a := o.Objects["url"].Attributes["hostname"]; a.Type != "hostname_t" {
		t.Errorf("object url hostname = %+v, want hostname_t", a)
	}
	if r := o.Types["port_t"]; r.Base != "integer_t" || !slices.Equal(r.Range, []int64{0, 65535}) {
		t.Errorf("port_t = %+v, want integer_t 0..65535", r)
	}
	if a := o.Classes[4002].Attributes["device"]; a.Profile != "host" {
		t.Errorf("class 4002 device profile = %q, want host", a.Profile)
	}

	var e facts.ECS
	if err := json.Unmarshal(ecsFacts, &e); err != nil {
		t.Fatal(err)
	}
	if f := e.Fields["event.category"]; f.Type != "keyword" || !f.Array || !slices.Contains(f.Allowed, "web") {
		t.Errorf("event.category = %+v, want an array keyword allowing web", f)
	}
	if f := e.Fields["@timestamp"]; f.Type != "date" || !f.Required {
		t.Errorf("@timestamp = %+v, want a required date", f)
	}
}

func TestEmbeddedFactsLink(t *testing.T) {
	s, err := loadOCSF()
	if err != nil {
		t.Fatal(err)
	}
	url := s.classes[4002].attrs["http_request"].object.attrs["url"].object
	if port := url.attrs["port"].typ; port.name != "port_t" || port.desc != "integer 0..65535" {
		t.Errorf("url.port type = %s (%s), want port_t (integer 0..65535)", port.name, port.desc)
	}
	if url.attrs["hostname"] == nil {
		t.Error("object url has no hostname")
	}
	es, err := loadECS()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(es.required, []string{"@timestamp", "ecs.version"}) {
		t.Errorf("ECS required fields = %v", es.required)
	}
	if !es.groups["source.geo"] || !es.fields["threat.enrichments"].parent {
		t.Error("ECS groups and parents not linked")
	}
}
