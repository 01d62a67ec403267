// Package normalize renders a record in the schema a sink asks for: raw
// (the record envelope as collected), OCSF 1.8.0, or ECS 9.4.0.
//
// Normalized output is a view of the record: the record, its id and the
// delivery guarantee are the same whatever the schema. The mappings are
// pure functions of the record, with no I/O and no state.
//
// # Nothing is lost
//
// Every vendor field appears in the OCSF event: either an attribute carries
// its value unchanged (text as text, digits as a number of the same value,
// the vendor's time text as metadata.original_time, a URL column inside the
// url_string rebuilt from it), or the field is under "unmapped" by its
// vendor name with its value as received. A field that is only parsed or
// split into attributes (a location "City||Region||Code||CC" is carried
// whole in location.desc, but a group list split into user.groups, or a
// status read into status_id, is not) stays under unmapped as well.
//
// The ECS document keeps the same promise with the vendor's object
// ("forcepoint", "symantec") in place of unmapped. Its keys are the vendor's
// names made keys Elasticsearch keeps whole: a dot becomes "_", and a name
// that would repeat is numbered (see ecsEvent.finish).
//
// Fields without a value are left out: an empty string or null, and in a
// Symantec ELFF line "-" (ELFF's "no value"; the parser already turns a
// bare "-" into "", a quoted one is as empty). Which columns a line had is
// not kept.
//
// # Design
//
// Each record's Fields are decoded once into its members and a table of
// the fields the mappings read (fields, slots); each vendor stream has one
// mapping file per schema (ocsf_<vendor>_<stream>.go,
// ecs_<vendor>_<stream>.go; the three Forcepoint health streams share one,
// and Symantec's accesslog-backfill is accesslog) that writes the event
// straight into the output with an ordered JSON writer, marking what it
// carried, and the members left unmarked become unmapped (OCSF) or the
// vendor's object (ECS). Writers several streams share are in
// ocsf_objects.go, ocsf_finding.go, ocsf_admin.go, ocsf_forcepoint.go,
// ecs_objects.go and ecs_forcepoint.go. What does not depend on the schema
// is shared: the decoding, the writer, the slot writers (event.go), the
// value helpers (URL parts, action words, OS names, numbers, addresses) and
// the judgements both schemas make alike (words.go: severity, health,
// administrators' operations).
package normalize

import (
	"fmt"

	"github.com/gatelog/gatelog/internal/record"
)

// The schemas Append renders.
const (
	Raw  = "raw"  // the record envelope, record.AppendEnvelope
	OCSF = "ocsf" // one OCSF 1.8.0 event
	ECS  = "ecs"  // one Elastic Common Schema 9.4.0 document
)

// Append appends rec in the given schema as one JSON object (no newline) to
// b and returns the extended buffer. It fails for an unknown schema and for
// a record whose Fields are not a JSON object; b is then returned
// unchanged. Any record of a stream without a mapping is still rendered:
// as an OCSF Base Event with every field under unmapped, or as an ECS
// document with every field under the vendor's object.
func Append(schema string, rec *record.Record, b []byte) ([]byte, error) {
	switch schema {
	case Raw:
		return rec.AppendEnvelope(b), nil
	case OCSF:
		e := &ocsfEvent{}
		return render(&e.event, "OCSF", rec, b, func(st *stream) {
			st.ocsf(e)
			e.finish()
		})
	case ECS:
		e := &ecsEvent{}
		return render(&e.event, "ECS", rec, b, func(st *stream) {
			st.ecs(e)
			e.finish()
		})
	}
	return b, fmt.Errorf("normalize: unknown schema %q (want %s, %s or %s)", schema, Raw, OCSF, ECS)
}

// render decodes rec's fields into e and has write map them onto b.
func render(e *event, schema string, rec *record.Record, b []byte, write func(*stream)) ([]byte, error) {
	st, ok := streams[streamKey{rec.Vendor, rec.Stream}]
	if !ok {
		st = fallbackStream(rec.Vendor)
	}
	e.rec, e.st = rec, &st
	e.fs.dash = st.dash
	if err := decodeFields(rec.Fields, st.names, &e.fs); err != nil {
		return b, fmt.Errorf("normalize %s/%s record %s to %s: %w", rec.Source, rec.Stream, rec.ID, schema, err)
	}
	start := len(b)
	e.w.b = b
	write(&st)
	return validUTF8(e.w.b, start), nil
}

// streamKey names a vendor's log type.
type streamKey struct{ vendor, stream string }

// stream is how to map one vendor stream: its product, its field table,
// and the mapping to each schema.
type stream struct {
	product *product
	names   map[string]slot
	dash    bool // ELFF: "-" is no value
	ocsf    func(*ocsfEvent)
	ecs     func(*ecsEvent)
}

var streams = map[streamKey]stream{
	{"forcepoint", "access"}:           {&productForcepoint, forcepointNames, false, ocsfForcepointAccess, ecsForcepointAccess},
	{"forcepoint", "admin"}:            {&productForcepoint, forcepointNames, false, ocsfForcepointAdmin, ecsForcepointAdmin},
	{"forcepoint", "cloudaudit"}:       {&productForcepoint, forcepointNames, false, ocsfForcepointCloudAudit, ecsForcepointCloudAudit},
	{"forcepoint", "cloudsummary"}:     {&productForcepoint, forcepointNames, false, ocsfForcepointCloudSummary, ecsForcepointCloudSummary},
	{"forcepoint", "swgweb"}:           {&productForcepoint, forcepointNames, false, ocsfForcepointSWGWeb, ecsForcepointSWGWeb},
	{"forcepoint", "swgwebdlp"}:        {&productForcepoint, forcepointNames, false, ocsfForcepointSWGWebDLP, ecsForcepointSWGWebDLP},
	{"forcepoint", "healthproxy"}:      {&productForcepoint, forcepointNames, false, ocsfForcepointHealthProxy, ecsForcepointHealthProxy},
	{"forcepoint", "healthapi"}:        {&productForcepoint, forcepointNames, false, ocsfForcepointHealthAPI, ecsForcepointHealthAPI},
	{"forcepoint", "healthsystem"}:     {&productForcepoint, forcepointNames, false, ocsfForcepointHealthSystem, ecsForcepointHealthSystem},
	{"forcepoint", "ztna"}:             {&productForcepoint, forcepointNames, false, ocsfForcepointZTNA, ecsForcepointZTNA},
	{"symantec", "accesslog"}:          {&productSymantec, symantecAccessNames, true, ocsfSymantecAccess, ecsSymantecAccess},
	{"symantec", "accesslog-backfill"}: {&productSymantec, symantecAccessNames, true, ocsfSymantecAccess, ecsSymantecAccess},
	{"symantec", "audit"}:              {&productSymantec, symantecAuditNames, false, ocsfSymantecAudit, ecsSymantecAudit},
}

// product names the vendor product: OCSF's metadata.product, ECS's
// observer, and the ECS object that holds the vendor's unmapped fields.
type product struct {
	name, vendor string // OCSF metadata.product name and vendor_name
	short        string // ECS observer.product: the name without the vendor's
	namespace    string // ECS: the object of the vendor's unmapped fields
}

var (
	productForcepoint = product{"Forcepoint ONE SSE", "Forcepoint", "ONE SSE", "forcepoint"}
	productSymantec   = product{"Cloud SWG", "Symantec", "Cloud SWG", "symantec"}
)

// fallbackStream maps a stream without a mapping (a log type a vendor adds
// later) as a Base Event or an uncategorized ECS event whose fields are all
// unmapped, so that it is still delivered whole.
func fallbackStream(vendor string) stream {
	var p *product
	switch vendor {
	case "forcepoint":
		p = &productForcepoint
	case "symantec":
		p = &productSymantec
	default:
		name := vendor
		if name == "" {
			name = "unknown"
		}
		p = &product{name, name, name, ecsNamespace(vendor)}
	}
	return stream{product: p,
		ocsf: func(e *ocsfEvent) {
			e.begin(header{class: classBase, activity: activityUnknown, severity: sevUnknown})
		},
		ecs: func(e *ecsEvent) {
			e.begin(ecsHeader{kind: "event"})
			e.eventEnd()
			e.observer("", noSlot, noSlot, noSlot)
		},
	}
}
