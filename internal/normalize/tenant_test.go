package normalize_test

import (
	"testing"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck"
)

// A source's tenant is metadata.tenant_uid in OCSF and organization.id in
// ECS on every stream; the vendor's own tenant id, which those carry
// otherwise, then stays with the unmapped fields: nothing is lost, and
// every event still validates.
func TestConfiguredTenant(t *testing.T) {
	for _, sr := range loadRecords(t) {
		for i := range sr.recs {
			rec := sr.recs[i]
			rec.Tenant = "tenant-9"
			raw, ev := ocsfEvent(t, &rec)
			if got := path(ev, "metadata", "tenant_uid"); got != "tenant-9" {
				t.Errorf("%s: OCSF tenant_uid = %v", sr.name, got)
			}
			if err := schemacheck.OCSF(raw); err != nil {
				t.Errorf("%s: %v", sr.name, err)
			}
			if err := lossless(&rec, ev); err != nil {
				t.Errorf("%s: OCSF: %v", sr.name, err)
			}
			raw, doc := ecsDoc(t, &rec)
			if got := path(doc, "organization", "id"); got != "tenant-9" {
				t.Errorf("%s: ECS organization.id = %v", sr.name, got)
			}
			if err := schemacheck.ECS(raw, "symantec", "forcepoint"); err != nil {
				t.Errorf("%s: %v", sr.name, err)
			}
			if err := losslessECS(&rec, doc); err != nil {
				t.Errorf("%s: ECS: %v", sr.name, err)
			}
		}
	}
}
