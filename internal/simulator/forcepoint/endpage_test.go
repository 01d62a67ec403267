package forcepoint

import (
	"testing"
	"time"

	"github.com/gatelog/gatelog/internal/testutil"
)

// TestEndPage: caught up, every type answers data [] with "{}" (e30=); the
// legacy option brings back the old types' unchanged token. "{}" is never
// a valid token.
func TestEndPage(t *testing.T) {
	tests := []struct {
		name   string
		legacy bool
		typ    string
		want   string // "" means the token that was sent
	}{
		{"access", false, "access", "e30="},
		{"admin", false, "admin", "e30="},
		{"cloudaudit", false, "cloudaudit", "e30="},
		{"cloudsummary", false, "cloudsummary", "e30="},
		{"healthproxy", false, "healthproxy", "e30="},
		{"healthapi", false, "healthapi", "e30="},
		{"healthsystem", false, "healthsystem", "e30="},
		{"swgweb", false, "swgweb", "e30="},
		{"swgwebdlp", false, "swgwebdlp", "e30="},
		{"ztna", false, "ztna", "e30="},
		{"legacy access", true, "access", ""},
		{"legacy cloudsummary", true, "cloudsummary", ""},
		{"legacy healthsystem", true, "healthsystem", ""},
		{"legacy swgweb", true, "swgweb", "e30="},
		{"legacy ztna", true, "ztna", "e30="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(testutil.NewClock(testEnd))
			cfg.LegacyEndToken = tt.legacy
			s := New(cfg)
			c := start(t, s)
			_, lastGood := walk(t, c, tt.typ, startOf(s))
			resp, body := c.get(params(tt.typ, "nextpagetoken", lastGood))
			p := decodePage(t, resp, body)
			want := tt.want
			if want == "" {
				want = lastGood
			}
			if len(p.Response.Data) != 0 || p.NextPageToken != want {
				t.Fatalf("caught up: %d records, token %q; want none, %q", len(p.Response.Data), p.NextPageToken, want)
			}
			checkEndTokenRejected(t, c, tt.typ)
		})
	}
}

func checkEndTokenRejected(t *testing.T, c *client, typ string) {
	t.Helper()
	resp, body := c.get(params(typ, "nextpagetoken", "e30="))
	if resp.StatusCode != 400 || string(body) != `{"status": "Invalid next page token"}` {
		t.Errorf("e30= as token: %d %s", resp.StatusCode, body)
	}
}

// TestStartdateAfterAllData: an empty startdate page ends with "{}" too;
// in legacy mode an old type gets a token for its position instead.
func TestStartdateAfterAllData(t *testing.T) {
	future := testEnd.Add(time.Hour).Format(layoutStartDate)
	tests := []struct {
		name    string
		legacy  bool
		typ     string
		wantEnd bool // token e30=; else a token that serves from there
	}{
		{"access", false, "access", true},
		{"swgweb", false, "swgweb", true},
		{"legacy access", true, "access", false},
		{"legacy swgweb", true, "swgweb", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(testutil.NewClock(testEnd))
			cfg.LegacyEndToken = tt.legacy
			c := start(t, New(cfg))
			resp, body := c.get(params(tt.typ, "startdate", future))
			p := decodePage(t, resp, body)
			if len(p.Response.Data) != 0 || (p.NextPageToken == "e30=") != tt.wantEnd {
				t.Fatalf("%d records, token %q; want none, end token %v", len(p.Response.Data), p.NextPageToken, tt.wantEnd)
			}
			if tt.wantEnd {
				return
			}
			resp, body = c.get(params(tt.typ, "nextpagetoken", p.NextPageToken))
			if p := decodePage(t, resp, body); len(p.Response.Data) != 0 {
				t.Errorf("token of an empty startdate page served %d records", len(p.Response.Data))
			}
		})
	}
}

// TestLiveAfterEndPage: a client that keeps its last real token after the
// "{}" page gets exactly the records that arrived since, then "{}" again.
func TestLiveAfterEndPage(t *testing.T) {
	tests := []struct {
		typ    string
		legacy bool
	}{
		{"access", false}, {"cloudaudit", false}, {"healthsystem", false},
		{"swgweb", false}, {"ztna", false}, {"access", true},
	}
	for _, tt := range tests {
		name := tt.typ
		if tt.legacy {
			name += " legacy"
		}
		t.Run(name, func(t *testing.T) {
			clk := testutil.NewClock(testEnd.Add(10 * time.Second))
			cfg := baseConfig(clk)
			cfg.Live, cfg.LiveRate, cfg.LegacyEndToken = true, 4, tt.legacy
			s := New(cfg)
			c := start(t, s)
			got, lastGood := walk(t, c, tt.typ, startOf(s))
			// The "{}" page the walk ended on, asked again: nothing new yet.
			resp, body := c.get(params(tt.typ, "nextpagetoken", lastGood))
			if p := decodePage(t, resp, body); len(p.Response.Data) != 0 {
				t.Fatalf("caught up, yet %d records", len(p.Response.Data))
			}
			clk.Advance(2*time.Second + 100*time.Millisecond)
			resp, body = c.get(params(tt.typ, "nextpagetoken", lastGood))
			p := decodePage(t, resp, body)
			all := expectedBytes(s.Expected(tt.typ, clk.Now()))
			sameRecords(t, pageInOrder(tt.typ, p.Response.Data), all[len(got):])
			if len(p.Response.Data) != 8 {
				t.Errorf("%d new records after 2.1s at 4/s, want 8", len(p.Response.Data))
			}
			resp, body = c.get(params(tt.typ, "nextpagetoken", p.NextPageToken))
			end := decodePage(t, resp, body)
			if len(end.Response.Data) != 0 || (!tt.legacy || isNewType(tt.typ)) && end.NextPageToken != "e30=" {
				t.Errorf("after the new records: %d records, token %q", len(end.Response.Data), end.NextPageToken)
			}
		})
	}
}
