package schemacheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// validHTTPActivity is an HTTP Activity (4002) event as a secure web gateway
// would yield it, using the security_control, host and datetime profiles.
const validHTTPActivity = `{
  "activity_id": 3,
  "activity_name": "Get",
  "category_uid": 4,
  "category_name": "Network Activity",
  "class_uid": 4002,
  "class_name": "HTTP Activity",
  "type_uid": 400203,
  "type_name": "HTTP Activity: Get",
  "severity_id": 1,
  "severity": "Informational",
  "time": 1714564800123,
  "time_dt": "2024-05-01T12:00:00.123Z",
  "message": "GET https://example.com:8443/a?b=c allowed",
  "metadata": {
    "version": "1.8.0",
    "uid": "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "product": {"name": "Web Security Service", "vendor_name": "Symantec"},
    "profiles": ["security_control", "host", "datetime"],
    "log_name": "access"
  },
  "action_id": 1,
  "action": "Allowed",
  "disposition_id": 1,
  "disposition": "Allowed",
  "http_request": {
    "http_method": "GET",
    "user_agent": "curl/8.5.0",
    "url": {
      "url_string": "https://example.com:8443/a?b=c",
      "scheme": "https",
      "hostname": "example.com",
      "port": 8443,
      "path": "/a",
      "query_string": "b=c",
      "categories": ["Technology/Internet"]
    }
  },
  "http_response": {"code": 200, "status": "OK", "content_type": "text/html", "length": 1234},
  "src_endpoint": {"ip": "10.0.0.5", "port": 51000},
  "dst_endpoint": {"ip": "2001:db8::1", "port": 8443, "hostname": "example.com"},
  "device": {"type_id": 1, "hostname": "gw-1"},
  "actor": {"user": {"name": "alice", "email_addr": "alice@example.com"}},
  "connection_info": {"direction_id": 2, "protocol_name": "tcp"},
  "traffic": {"bytes_in": 1234, "bytes_out": 321},
  "observables": [{"name": "src_endpoint.ip", "type_id": 2, "value": "10.0.0.5"}],
  "unmapped": {"x_vendor_field": [1, "two", {"three": null}]}
}`

func TestOCSFAcceptsAValidHTTPActivity(t *testing.T) {
	if err := OCSF([]byte(validHTTPActivity)); err != nil {
		t.Fatalf("valid event rejected:\n%v", err)
	}
}

// TestOCSFRejectsMutants breaks the valid event one way at a time; each
// break must be reported, naming the attribute path.
func TestOCSFRejectsMutants(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"wrong type", set("http_request.url.port", "abc"),
			`http_request.url.port: expected port_t (integer 0..65535), got "abc"`},
		{"port out of range", set("dst_endpoint.port", 70000),
			`dst_endpoint.port: expected port_t (integer 0..65535), got 70000`},
		{"fraction for an integer", set("http_response.code", 200.5),
			`http_response.code: expected integer_t (integer), got 200.5`},
		{"timestamp as a string", set("time", "2024-05-01T12:00:00Z"),
			`time: expected timestamp_t (integer epoch milliseconds), got "2024-05-01T12:00:00Z"`},
		{"bad IP", set("src_endpoint.ip", "10.0.0.256"),
			`src_endpoint.ip: expected ip_t (IP address), got "10.0.0.256"`},
		{"bad datetime", set("time_dt", "May 1st"),
			`time_dt: expected datetime_t (string matching`},
		{"bad email", set("actor.user.email_addr", "alice"),
			`actor.user.email_addr: expected email_t (string matching`},
		{"scalar for an array", set("http_request.url.categories", "Technology"),
			`http_request.url.categories: expected an array of string_t, got "Technology"`},
		{"array for an object", set("http_request.url", []any{}),
			`http_request.url: expected object url, got an array`},
		{"wrong type in an array", set("observables", []any{map[string]any{"name": "x", "type_id": "2"}}),
			`observables[0].type_id: expected integer_t (integer), got "2"`},
		{"unknown attribute at the top", set("verdict", "ok"),
			`verdict: unknown attribute (not in class http_activity (4002))`},
		{"unknown attribute in an object", set("http_request.url.fragment", "x"),
			`http_request.url.fragment: unknown attribute (not in object url)`},
		{"missing required attribute", del("severity_id"),
			`severity_id: required attribute missing (class http_activity (4002))`},
		{"null required attribute", set("time", nil),
			`time: required attribute missing`},
		{"missing required object attribute", del("metadata.product"),
			`metadata.product: required attribute missing (object metadata)`},
		{"missing required in a nested object", del("http_response.code"),
			`http_response.code: required attribute missing (object http_response)`},
		{"wrong enum id", set("severity_id", 7),
			`severity_id: 7 is not a value of the severity_id enum (want one of 0, 1, 2, 3, 4, 5, 6, 99)`},
		{"wrong enum id in an object", set("connection_info.direction_id", 5),
			`connection_info.direction_id: 5 is not a value of the direction_id enum`},
		{"lower-case http_method", set("http_request.http_method", "get"),
			`http_request.http_method: "get" is not a value of the http_method enum`},
		{"inconsistent type_uid", set("type_uid", 400206),
			`type_uid: got 400206, want 400203 (class_uid 4002 * 100 + activity_id 3)`},
		{"activity outside the class", set("activity_id", 12),
			`activity_id: 12 is not a value of the activity_id enum`},
		{"category of another class", set("category_uid", 6),
			`category_uid: got 6, want 4 for class http_activity (4002)`},
		{"profile attribute without its profile", set("metadata.profiles", []any{"security_control", "datetime"}),
			`device: attribute of profile "host", which metadata.profiles does not name`},
		{"datetime twin without its profile", set("metadata.profiles", []any{"security_control", "host"}),
			`time_dt: attribute of profile "datetime", which metadata.profiles does not name`},
		{"object profile attribute without its profile", set("src_endpoint.container", map[string]any{"name": "c"}),
			`src_endpoint.container: attribute of profile "container", which metadata.profiles does not name`},
		{"named profile makes its required attribute required", set("metadata.profiles", []any{"security_control", "host", "datetime", "cloud"}),
			`cloud: required attribute missing`},
		{"unknown profile", set("metadata.profiles", []any{"security_control", "host", "datetime", "gateway"}),
			`metadata.profiles[3]: unknown profile "gateway"`},
		{"constraint", func(m map[string]any) { delete(m, "http_request"); delete(m, "http_response") },
			`http_request|http_response: at least one is required (class http_activity (4002))`},
		{"constraint in an object", func(m map[string]any) { del("http_request.url.url_string")(m); del("http_request.url.path")(m) },
			`http_request.url.url_string|http_request.url.path: at least one is required (object url)`},
		{"unknown class", set("class_uid", 4999), `class_uid: unknown class 4999`},
		{"missing class", del("class_uid"), `class_uid: required attribute missing`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := decode(t, validHTTPActivity)
			c.mutate(m)
			err := OCSF(encode(t, m))
			if err == nil {
				t.Fatalf("accepted; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got:\n%v\nwant a line containing:\n%s", err, c.want)
			}
		})
	}
}

func TestOCSFReportsEveryProblemInPathOrder(t *testing.T) {
	m := decode(t, validHTTPActivity)
	set("verdict", 1)(m)
	set("activity_id", "3")(m)
	del("metadata.version")(m)
	err := OCSF(encode(t, m))
	want := `activity_id: expected integer_t (integer), got "3"` + "\n" +
		`metadata.version: required attribute missing (object metadata)` + "\n" +
		`verdict: unknown attribute (not in class http_activity (4002))`
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestOCSFRejectsWhatIsNotAnEvent(t *testing.T) {
	for in, want := range map[string]string{
		``:                     "event: not JSON",
		`[1]`:                  "event: want a JSON object, got an array",
		`{"class_uid":0} x`:    "event: not JSON: data after the top-level value",
		`{"class_uid":"4002"}`: `class_uid: expected integer_t (integer), got "4002"`,
	} {
		err := OCSF([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("OCSF(%q) = %v, want %q", in, err, want)
		}
	}
}

// set returns a mutation that sets the value at a dotted path.
func set(path string, v any) func(map[string]any) {
	return func(m map[string]any) {
		parent, last := walk(m, path)
		if n, ok := v.(int); ok { // numbers as decoding gives them
			v = json.Number(fmt.Sprint(n))
		}
		if f, ok := v.(float64); ok {
			v = json.Number(fmt.Sprint(f))
		}
		parent[last] = v
	}
}

// del returns a mutation that removes the attribute at a dotted path.
func del(path string) func(map[string]any) {
	return func(m map[string]any) {
		parent, last := walk(m, path)
		delete(parent, last)
	}
}

func walk(m map[string]any, path string) (map[string]any, string) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		m = m[p].(map[string]any)
	}
	return m, parts[len(parts)-1]
}

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t testing.TB, m map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
