package symantec

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// location is one configured site. Access-log lines reference the ones
// with inLog, by id and by their name in ISO-8859-15.
type location struct {
	id    int
	name  string
	typ   string
	inLog bool
}

var locationDefs = []struct {
	name, typ, country string
	inLog              bool
}{
	{"Paris Café € Store", "IPSEC", "France", true},
	{"Zürich HQ", "FIREWALL", "Switzerland", true},
	{"São Paulo Branch", "IPSEC", "Brazil", false},
	{"東京オフィス", "EXPLICIT_PROXY", "Japan", false},
	{"München Lager", "FIREWALL", "Germany", true},
	{"Regional Distribution Center North-East Corridor – Building 7, Loading Dock B (temporary IPsec tunnel until the SD-WAN migration completes)", "IPSEC", "United States", false},
	{"New York Office", "EXPLICIT_PROXY", "United States", true},
	{"London", "IPSEC", "United Kingdom", true},
	{"Data Center A", "FIREWALL", "Germany", true},
	{"Kraków Dev", "IPSEC", "Poland", false},
	{"Œuvre Atelier Lyon", "EXPLICIT_PROXY", "France", false},
	{"Guest Wi-Fi", "FIREWALL", "France", false},
}

// buildLocations numbers the locations from a seeded base.
func buildLocations(seed uint64) []location {
	base := 40000 + int(simrand.Mix(seed^0x10c)%5000)*10
	out := make([]location, len(locationDefs))
	for k, d := range locationDefs {
		out[k] = location{id: base + k*7, name: d.name, typ: d.typ, inLog: d.inLog}
	}
	return out
}

// splitLocations returns the indexes of the locations that appear in the
// log, those with ASCII names apart from those whose Latin-9 name is not
// valid UTF-8.
func splitLocations(locs []location) (plain, accent []int) {
	for k, l := range locs {
		switch {
		case !l.inLog:
		case isASCII(l.name):
			plain = append(plain, k)
		default:
			accent = append(accent, k)
		}
	}
	return plain, accent
}

func isASCII(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] >= 0x80 {
			return false
		}
	}
	return true
}

// locationObject is the JSON object served for location k. Apart from id
// and name (the only fields the docs show), the shape is our invention:
// numbers, strings, null, bools, arrays and a nested object.
func (s *Server) locationObject(k int) map[string]any {
	l, d := s.locs[k], locationDefs[k]
	r := simrand.RNG(simrand.Mix(s.seed ^ uint64(l.id)))
	obj := map[string]any{
		"id": l.id, "name": l.name, "type": l.typ, "country": d.country,
		"enabled":     k%5 != 4,
		"created":     s.start.Add(-time.Duration(r.Between(30, 900)) * 24 * time.Hour).Format(time.RFC3339),
		"modified":    s.start.Add(-time.Duration(r.Between(1, 29)) * 24 * time.Hour).UnixMilli(),
		"description": description(k),
		"settings":    locationSettings(&r, l.typ),
	}
	ip := []string{"203.0.113." + itoa(r.Between(1, 254)), "198.51.100." + itoa(r.Between(1, 254))}
	if l.typ == "EXPLICIT_PROXY" {
		obj["ip"] = ip[0]
	} else {
		obj["gatewayIPs"] = ip[:1+k%2]
	}
	return obj
}

func description(k int) any {
	switch k % 4 {
	case 0:
		return nil
	case 1:
		return ""
	}
	return "Site #" + itoa(k+1) + ", managed by \"IT Ops\""
}

func locationSettings(r *simrand.RNG, typ string) map[string]any {
	set := map[string]any{
		"authenticationMode": simrand.Pick(r, []string{"SAML", "NONE", "CAPTIVE_PORTAL"}),
		"sslInterception":    r.Intn(2) == 0,
		"bandwidthKbps":      r.Between(1, 100) * 1000,
		"tags":               []string{"prod", typ},
	}
	if typ == "IPSEC" {
		set["ipsec"] = map[string]any{"ikeVersion": 2, "encryption": "AES256", "preSharedKey": "********"}
	}
	return set
}

// locationsJSON is the response body: a JSON array.
func (s *Server) locationsJSON() []byte {
	arr := make([]map[string]any, len(s.locs))
	for k := range s.locs {
		arr[k] = s.locationObject(k)
	}
	b, err := json.Marshal(arr)
	if err != nil {
		panic(err) // only built-in types: cannot fail
	}
	return b
}

// Locations returns the served locations as encoding/json decodes them
// (numbers are float64), so a test can compare decoded responses directly.
func (s *Server) Locations() []map[string]any {
	var out []map[string]any
	if err := json.Unmarshal(s.locationsJSON(), &out); err != nil {
		panic(err)
	}
	return out
}

func (s *Server) serveLocations(w http.ResponseWriter) int {
	return writeBody(w, http.StatusOK, "application/json", s.locationsJSON())
}
