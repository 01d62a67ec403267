// Package schemacheck validates gatelog's normalized events against the
// official schemas: OCSF 1.8.0 (OCSF) and ECS 9.4.0 (ECS). It is meant for
// tests: each call returns every problem it finds, joined, each naming the
// attribute path ("http_request.url.port: expected port_t (integer
// 0..65535), got \"abc\"").
//
// The schemas are not read at run time: gen (go generate) compiles the
// official sources into testdata/ocsf-1.8.0.json and testdata/ecs-9.4.0.json,
// which are embedded and loaded once per process.
//
// # OCSF decisions
//
//   - Profiles: an attribute that a profile brings in (the host profile's
//     device, the cloud profile's cloud, the datetime profile's time_dt,
//     container in network_endpoint ...) is allowed only when
//     metadata.profiles names the profile, and only then can it be required;
//     otherwise it is reported as belonging to a profile the event does not
//     name. A profile name the schema does not define is an error. This is the
//     rule of the OCSF server's validator.
//   - Deprecated classes, objects, attributes and enum values are accepted:
//     OCSF 1.8.0 still defines them (its server only warns).
//   - An attribute set to null counts as absent (so a required one is
//     missing); a null inside an array is a type error.
//   - integer_t, long_t and timestamp_t take JSON integer literals (no
//     fraction, no exponent) that fit in 64 bits. float_t takes any JSON
//     number: JSON cannot tell 5 from 5.0 and Go writes 5.0 as 5.
//   - String types must match their dictionary regex (as a whole value) and
//     max_len; ip_t must parse as an IP address and subnet_t as a CIDR
//     prefix. These are errors here, where the OCSF server only warns on the
//     regex: a validator for our own output should be strict.
//   - An enum attribute takes only the listed values (ids; for
//     http_request.http_method the upper-case method names). Its caption
//     sibling (activity_name, severity ...) is free text.
//   - class_uid must name a class, category_uid must be the class's category
//     and type_uid must equal class_uid*100 + activity_id.
//   - The schema's constraints (at_least_one, just_one: http_request or
//     http_response in HTTP Activity, url_string or path in url ...) are
//     enforced, as the OCSF server does.
//
// # ECS decisions
//
//   - A field may hold an array when ECS normalizes it to an array or when it
//     is a string field (keyword, wildcard, text, match_only_text), which
//     Elasticsearch and ECS consumers treat as multi-valued. Other scalars (a
//     port, a date, an IP outside the array fields) take one value: there an
//     array is likelier a mapping bug than intent.
//   - Every field ECS marks required must be present: @timestamp and
//     ecs.version.
//   - Values must have the field's JSON type as written (a keyword is a
//     string, not a number Elasticsearch would coerce); allowed_values and
//     ECS patterns (*.mac is upper-case and dash-separated) are enforced.
//   - An object field with ECS subfields (log.syslog, dns.answers) is checked
//     field by field; one without (labels, *.entity.raw) and flattened fields
//     take any object. nested takes an array of objects; geo_point an object
//     holding exactly lat and lon.
//   - null counts as absent, as in Elasticsearch.
package schemacheck

//go:generate go run ./gen

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

var (
	//go:embed testdata/ocsf-1.8.0.json
	ocsfFacts []byte
	//go:embed testdata/ecs-9.4.0.json
	ecsFacts []byte
)

// decodeObject decodes one JSON object, keeping numbers as json.Number so
// that 1 and 1.0 stay distinguishable for the integer types.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not JSON: data after the top-level value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", show(v))
	}
	return m, nil
}

// problems collects "path: message" lines.
type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

// err joins the problems in path order, so that a report reads the same on
// every run whatever order Go's maps were walked in.
func (p problems) err() error {
	slices.Sort(p)
	errs := make([]error, len(p))
	for i, s := range p {
		errs[i] = errors.New(s)
	}
	return errors.Join(errs...)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// show renders a decoded JSON value for a message, cutting long strings.
func show(v any) string {
	const maxLen = 64
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if len(v) > maxLen {
			v = v[:maxLen] + "..."
		}
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// integer reads a JSON integer literal that fits in 64 bits.
func integer(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	return i, err == nil
}
