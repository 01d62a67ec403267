// Package normalize renders a record in the schema a sink asks for: raw
// (the record envelope as collected), OCSF 1.8.0, or ECS (not yet).
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
// Fields without a value are left out: an empty string or null, and in a
// Symantec ELFF line "-" (ELFF's "no value"; the parser already turns a
// bare "-" into "", a quoted one is as empty). Which columns a line had is
// not kept.
//
// # Design
//
// Each record's Fields are decoded once into its members and a table of
// the fields the mappings read (fields, slots); each vendor stream has one
// mapping file (ocsf_<vendor>_<stream>.go; the three Forcepoint health
// streams share one, and Symantec's accesslog-backfill is accesslog) that
// writes the event straight into the output with an ordered JSON writer,
// marking what it carried, and the members left unmarked become unmapped.
// Writers several streams share are in ocsf_objects.go, ocsf_finding.go,
// ocsf_admin.go and ocsf_forcepoint.go. The decoding, the value
// helpers (URL parts, action words, OS names, numbers, addresses) and the
// writer do not depend on the schema, for the ECS mapping to share.
package normalize

import (
	"errors"
	"fmt"

	"github.com/gatelog/gatelog/internal/record"
)

// The schemas Append renders.
const (
	Raw  = "raw"  // the record envelope, record.AppendJSON
	OCSF = "ocsf" // one OCSF 1.8.0 event
	ECS  = "ecs"  // Elastic Common Schema (not yet implemented)
)

// ErrNotImplemented is returned for a schema that is named but not written
// yet (ECS).
var ErrNotImplemented = errors.New("not implemented yet")

// Append appends rec in the given schema as one JSON object (no newline) to
// b and returns the extended buffer. It fails for an unknown schema, for
// ECS (not yet), and for a record whose Fields are not a JSON object; b is
// then returned unchanged. Any record of a stream without a mapping is
// still rendered: as an OCSF Base Event with every field under unmapped.
func Append(schema string, rec *record.Record, b []byte) ([]byte, error) {
	switch schema {
	case Raw:
		return rec.AppendJSON(b), nil
	case OCSF:
		return appendOCSF(rec, b)
	case ECS:
		return b, fmt.Errorf("normalize to %s: %w", schema, ErrNotImplemented)
	}
	return b, fmt.Errorf("normalize: unknown schema %q (want %s, %s or %s)", schema, Raw, OCSF, ECS)
}

// streamKey names a vendor's log type.
type streamKey struct{ vendor, stream string }

// ocsfStream is how to map one vendor stream: its product, its field
// table, and the mapping.
type ocsfStream struct {
	product *product
	names   map[string]slot
	dash    bool // ELFF: "-" is no value
	apply   func(*ocsfEvent)
}

var ocsfStreams = map[streamKey]ocsfStream{
	{"forcepoint", "access"}:           {&productForcepoint, forcepointNames, false, ocsfForcepointAccess},
	{"forcepoint", "admin"}:            {&productForcepoint, forcepointNames, false, ocsfForcepointAdmin},
	{"forcepoint", "cloudaudit"}:       {&productForcepoint, forcepointNames, false, ocsfForcepointCloudAudit},
	{"forcepoint", "cloudsummary"}:     {&productForcepoint, forcepointNames, false, ocsfForcepointCloudSummary},
	{"forcepoint", "swgweb"}:           {&productForcepoint, forcepointNames, false, ocsfForcepointSWGWeb},
	{"forcepoint", "swgwebdlp"}:        {&productForcepoint, forcepointNames, false, ocsfForcepointSWGWebDLP},
	{"forcepoint", "healthproxy"}:      {&productForcepoint, forcepointNames, false, ocsfForcepointHealthProxy},
	{"forcepoint", "healthapi"}:        {&productForcepoint, forcepointNames, false, ocsfForcepointHealthAPI},
	{"forcepoint", "healthsystem"}:     {&productForcepoint, forcepointNames, false, ocsfForcepointHealthSystem},
	{"forcepoint", "ztna"}:             {&productForcepoint, forcepointNames, false, ocsfForcepointZTNA},
	{"symantec", "accesslog"}:          {&productSymantec, symantecAccessNames, true, ocsfSymantecAccess},
	{"symantec", "accesslog-backfill"}: {&productSymantec, symantecAccessNames, true, ocsfSymantecAccess},
	{"symantec", "audit"}:              {&productSymantec, symantecAuditNames, false, ocsfSymantecAudit},
}

func appendOCSF(rec *record.Record, b []byte) ([]byte, error) {
	st, ok := ocsfStreams[streamKey{rec.Vendor, rec.Stream}]
	if !ok {
		st = fallbackStream(rec.Vendor)
	}
	e := &ocsfEvent{rec: rec, st: &st}
	e.fs.dash = st.dash
	if err := decodeFields(rec.Fields, st.names, &e.fs); err != nil {
		return b, fmt.Errorf("normalize %s/%s record %s to OCSF: %w", rec.Source, rec.Stream, rec.ID, err)
	}
	start := len(b)
	e.w.b = b
	st.apply(e)
	e.finish()
	return validUTF8(e.w.b, start), nil
}

// fallbackStream maps a stream without a mapping (a log type a vendor adds
// later) as a Base Event whose fields are all unmapped, so that it is still
// delivered whole.
func fallbackStream(vendor string) ocsfStream {
	var p *product
	switch vendor {
	case "forcepoint":
		p = &productForcepoint
	case "symantec":
		p = &productSymantec
	case "":
		p = &product{"unknown", "unknown"}
	default:
		p = &product{vendor, vendor}
	}
	return ocsfStream{product: p, apply: func(e *ocsfEvent) {
		e.begin(header{class: classBase, activity: activityUnknown, severity: sevUnknown})
	}}
}
