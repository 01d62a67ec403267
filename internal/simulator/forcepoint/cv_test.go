package forcepoint

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil"
)

// TestCVSelectsFields: a record carries only the keys its cv knows, per the
// vendor's Data Keys table; keys the table does not list always come. The
// page is byte for byte what ExpectedCV promises.
func TestCVSelectsFields(t *testing.T) {
	tests := []struct {
		typ, cv    string
		allFields  bool
		has, lacks []string
	}{
		{"access", "1.0.1", false, []string{"time", "transactionid", "url", "details"},
			[]string{"orgid", "instancename", "usergroup", "deviceguid", "policyid"}},
		{"access", "1.0.2", false, []string{"orgid", "instancename"}, []string{"usergroup", "policyid"}},
		{"access", "1.0.4", false, []string{"usergroup", "deviceguid"}, []string{"policyid"}},
		{"access", "1.1.5", false, []string{"usergroup", "deviceguid", "policyid", "orgid"}, nil},
		{"cloudaudit", "1.0.2", false, []string{"fileid", "owner"}, []string{"activity", "policyid", "actor"}},
		{"cloudaudit", "1.1.5", false, []string{"activity", "policyid"}, []string{"actor", "actoripaddress"}},
		{"cloudaudit", "1.1.7", false, []string{"actor", "actoripaddress"}, nil},
		{"cloudaudit", "1.0.1", true, []string{"activity", "policyid", "actor"}, nil},
		{"cloudsummary", "1.0.7", false, []string{"patterns"}, []string{"originalfolder", "originalpatterns", "classifylabels"}},
		{"cloudsummary", "1.1.2", false, []string{"originalfolder", "classifylabels"}, nil},
		{"swgweb", "1.1.0", false, []string{"requestdomain", "usergroup", "indexedtime"}, []string{"policyid", "responsecode"}},
		{"swgweb", "1.1.4", false, []string{"policyid", "responsecode"}, nil},
		{"swgwebdlp", "1.1.0", false, []string{"docsha256", "dlppattern"}, []string{"filename", "policyid"}},
		{"healthapi", "1.1.5", false, []string{"responsecode", "latency"}, nil},
		{"ztna", "1.1.5", false, []string{"policyid", "usergroup", "destinationport"}, nil},
	}
	for _, tt := range tests {
		name := tt.typ + " " + tt.cv
		if tt.allFields {
			name += " all fields"
		}
		t.Run(name, func(t *testing.T) {
			cfg := baseConfig(testutil.NewClock(testEnd))
			cfg.AllFields = tt.allFields
			s := New(cfg)
			c := start(t, s)
			resp, body := c.get(params(tt.typ, "cv", tt.cv, "startdate", startOf(s)))
			got := pageInOrder(tt.typ, decodePage(t, resp, body).Response.Data)
			sameRecords(t, got, expectedBytes(s.ExpectedCV(tt.typ, tt.cv, time.Time{})[:len(got)]))
			for _, rec := range got {
				m := decodeRecord(t, rec)
				for _, k := range tt.has {
					if _, ok := m[k]; !ok {
						t.Fatalf("no %q in %s", k, rec)
					}
				}
				for _, k := range tt.lacks {
					if _, ok := m[k]; ok {
						t.Fatalf("%q served at cv %s: %s", k, tt.cv, rec)
					}
				}
			}
		})
	}
}

// TestCVKeepsValues: leaving fields out does not change the others, so a
// record read at an old cv is the newer record minus keys.
func TestCVKeepsValues(t *testing.T) {
	s := New(Config{Seed: 9, End: testEnd, DefaultCount: 200})
	for _, typ := range []string{"access", "cloudaudit", "swgwebdlp"} {
		old := s.ExpectedCV(typ, "1.0.1", time.Time{})
		if typ == "swgwebdlp" {
			old = s.ExpectedCV(typ, "1.1.0", time.Time{})
		}
		all := s.ExpectedCV(typ, "1.1.7", time.Time{})
		for i := range all {
			o, n := decodeRecord(t, old[i].JSON), decodeRecord(t, all[i].JSON)
			if len(o) >= len(n) {
				t.Fatalf("%s %d: old cv has %d keys, newest %d", typ, i, len(o), len(n))
			}
			for k, v := range o {
				if !jsonEqual(v, n[k]) {
					t.Fatalf("%s %d: %q is %v at the old cv, %v at 1.1.7", typ, i, k, v, n[k])
				}
			}
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestExpectedCV: Expected is what gatelog's default cv is served, raised
// to the type's minimum; a cv the server would reject expects nothing.
func TestExpectedCV(t *testing.T) {
	s := New(Config{Seed: 2, End: testEnd, DefaultCount: 30})
	tests := []struct {
		typ, cv string
		same    bool // ExpectedCV(typ, cv) equals Expected(typ)
		none    bool // ExpectedCV is nil
	}{
		{"access", "1.1.5", true, false},
		{"cloudaudit", "1.1.5", true, false},
		{"cloudaudit", "1.1.7", false, false},
		{"swgweb", "1.1.5", true, false},
		{"healthproxy", "1.1.5", true, false},
		{"access", "1.0.1", false, false},
		{"healthproxy", "1.1.0", false, true},
		{"access", "latest", false, true},
		{"dns", "1.1.5", false, true},
	}
	for _, tt := range tests {
		got := s.ExpectedCV(tt.typ, tt.cv, time.Time{})
		if (got == nil) != tt.none {
			t.Errorf("ExpectedCV(%s, %s) = %d records, want nil %v", tt.typ, tt.cv, len(got), tt.none)
			continue
		}
		same := slices.EqualFunc(got, s.Expected(tt.typ, time.Time{}), func(a, b Record) bool {
			return a.Time.Equal(b.Time) && bytes.Equal(a.JSON, b.JSON)
		})
		if !tt.none && same != tt.same {
			t.Errorf("ExpectedCV(%s, %s) equals Expected: %v, want %v", tt.typ, tt.cv, same, tt.same)
		}
	}
}

// TestCVSelectsCSVColumns: the CSV header follows the cv too.
func TestCVSelectsCSVColumns(t *testing.T) {
	tests := []struct {
		cv   string
		want bool // usergroup and policyid are columns
	}{
		{"1.0.1", false},
		{"1.1.5", true},
	}
	for _, tt := range tests {
		cfg := baseConfig(testutil.NewClock(testEnd))
		s := New(cfg)
		c := start(t, s)
		resp, body := c.get(params("access", "cv", tt.cv, "startdate", startOf(s), "responseformat", "csv"))
		if resp.StatusCode != 200 {
			t.Fatalf("cv %s: status %d", tt.cv, resp.StatusCode)
		}
		header, err := csv.NewReader(bytes.NewReader(body)).Read()
		if err != nil {
			t.Fatalf("cv %s: %v", tt.cv, err)
		}
		if got := slices.Contains(header, "usergroup") && slices.Contains(header, "policyid"); got != tt.want {
			t.Errorf("cv %s: header %v, want usergroup and policyid %v", tt.cv, header, tt.want)
		}
	}
}
