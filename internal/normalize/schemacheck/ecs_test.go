package schemacheck

import (
	"strings"
	"testing"
)

// validECS is the web access of validHTTPActivity as an ECS document, mixing
// nested objects and dotted keys, with a vendor namespace.
const validECS = `{
  "@timestamp": "2024-05-01T12:00:00.123Z",
  "ecs": {"version": "9.4.0"},
  "message": "GET https://example.com:8443/a?b=c allowed",
  "event": {
    "kind": "event",
    "category": ["network", "web"],
    "type": ["access", "allowed"],
    "outcome": "success",
    "action": "allowed",
    "dataset": "symantec.wss",
    "created": 1714564800500,
    "duration": 1500000
  },
  "source.ip": "10.0.0.5",
  "source": {"port": 51000, "bytes": 321, "geo": {"location": {"lat": 48.1, "lon": 11.5}}},
  "destination": {"ip": "2001:db8::1", "port": 8443, "domain": "example.com"},
  "url": {"original": "https://example.com:8443/a?b=c", "domain": "example.com", "port": 8443, "path": "/a", "query": "b=c", "scheme": "https"},
  "http": {"request": {"method": "GET"}, "response": {"status_code": 200, "bytes": 1234}},
  "user_agent": {"original": "curl/8.5.0"},
  "user": {"name": "alice", "email": "alice@example.com"},
  "observer": {"vendor": "Symantec", "product": "Web Security Service", "type": "proxy", "mac": "00-1A-2B-3C-4D-5E", "hostname": ["gw-1", "gw-1.example.com"]},
  "related": {"ip": ["10.0.0.5", "2001:db8::1"], "hosts": ["example.com"], "user": ["alice"]},
  "labels": {"tenant": "acme"},
  "tags": ["gatelog"],
  "threat": {"enrichments": [{"matched": {"atomic": "example.com", "field": "url.domain"}}]},
  "dns": {"answers": [{"name": "example.com", "type": "A", "data": "93.184.216.34"}]},
  "symantec": {"wss": {"x_anything": [1, {"deep": true}]}}
}`

func TestECSAcceptsAValidDocument(t *testing.T) {
	if err := ECS([]byte(validECS), "symantec"); err != nil {
		t.Fatalf("valid document rejected:\n%v", err)
	}
}

func TestECSRejectsMutants(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"unknown field", set("source.hostname", "a"), `source.hostname: unknown ECS field`},
		{"unknown top-level field", set("verdict", "ok"), `verdict: unknown ECS field`},
		{"unknown field in a field set", set("event.severity_name", "low"), `event.severity_name: unknown ECS field`},
		{"wrong type under a dotted key", func(m map[string]any) { m["destination.bytes"] = "1k" },
			`destination.bytes: expected long (64-bit integer), got "1k"`},
		{"wrong type", set("source.port", "51000"), `source.port: expected long (64-bit integer), got "51000"`},
		{"number for a keyword", set("user.name", 7), `user.name: expected keyword (string), got 7`},
		{"bad IP", set("destination.ip", "example.com"), `destination.ip: expected ip (IP address string), got "example.com"`},
		{"bad date", set("@timestamp", "01/05/2024"), `@timestamp: expected date (RFC 3339 string or integer epoch milliseconds), got "01/05/2024"`},
		{"array for a single value", set("source.port", []any{1, 2}), `source.port: long field takes one value, got an array`},
		{"scalar for a field set", set("http", "GET"), `http: expected an object (it holds ECS fields), got "GET"`},
		{"disallowed event.category", set("event.category", []any{"network", "proxy"}),
			`event.category: "proxy" is not an allowed value (want one of api, authentication,`},
		{"disallowed event.kind", set("event.kind", "log"), `event.kind: "log" is not an allowed value`},
		{"pattern", set("observer.mac", "00:1a:2b:3c:4d:5e"), `observer.mac: "00:1a:2b:3c:4d:5e" does not match ^[A-F0-9]{2}(-[A-F0-9]{2}){5,}$`},
		{"geo_point without lon", set("source.geo.location", map[string]any{"lat": 1}), `source.geo.location: expected geo_point`},
		{"nested not an array", set("threat.enrichments", map[string]any{}), `threat.enrichments: expected nested (array of objects), got an object`},
		{"unknown field in nested", set("threat.enrichments", []any{map[string]any{"score": 1}}), `threat.enrichments.score: unknown ECS field`},
		{"unknown field in an object array", set("dns.answers", []any{map[string]any{"ip": "1.2.3.4"}}), `dns.answers.ip: unknown ECS field`},
		{"missing @timestamp", del("@timestamp"), `@timestamp: required field missing`},
		{"missing ecs.version", del("ecs.version"), `ecs.version: required field missing`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := decode(t, validECS)
			c.mutate(m)
			err := ECS(encode(t, m), "symantec")
			if err == nil {
				t.Fatalf("accepted; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got:\n%v\nwant a line containing:\n%s", err, c.want)
			}
		})
	}
}

func TestECSChecksCustomNamespacesOnlyWhenNotNamed(t *testing.T) {
	err := ECS([]byte(validECS))
	if err == nil || err.Error() != "symantec: unknown ECS field" {
		t.Fatalf("without custom namespaces: got %v, want symantec reported", err)
	}
	doc := `{"@timestamp": 0, "ecs.version": "9.4.0", "observer.vendor_data": {"x": 1}, "forcepoint": [1]}`
	if err := ECS([]byte(doc), "forcepoint", "observer.vendor_data"); err != nil {
		t.Fatalf("custom namespaces checked: %v", err)
	}
}

func TestECSRejectsWhatIsNotADocument(t *testing.T) {
	for in, want := range map[string]string{
		`nope`:   "document: not JSON",
		`"text"`: `document: want a JSON object, got "text"`,
		`{} {}`:  "document: not JSON: data after the top-level value",
	} {
		err := ECS([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ECS(%q) = %v, want %q", in, err, want)
		}
	}
}
