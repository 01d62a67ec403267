package forcepoint

import (
	"encoding/json"
	"testing"
)

func TestScanKeys(t *testing.T) {
	cases := []struct {
		in   string
		want recordKeys
		err  bool
	}{
		{`{"time":"22 Nov 2026 10:00:00","transactionid":"T","fileid":"F"}`, recordKeys{Time: "22 Nov 2026 10:00:00", TransactionID: "T", FileID: "F", HasTime: true}, false},
		{` { "a" : {"time": "nested"}, "b": [1, "x", {"y": "]"}], "time" : "t\u00e9\"" } `, recordKeys{Time: "té\"", HasTime: true}, false},
		{`{"time":5}`, recordKeys{}, false},
		{`{"transactionid":"a","transactionid":null}`, recordKeys{}, false},
		{`{"ti\u006de":"escaped key"}`, recordKeys{Time: "escaped key", HasTime: true}, false},
		{`{}`, recordKeys{}, false},
		{`["time"]`, recordKeys{}, true},
		{`{"time":"x"`, recordKeys{Time: "x", HasTime: true}, true},
	}
	for _, c := range cases {
		got, err := scanKeys([]byte(c.in))
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("scanKeys(%s) = %+v, %v; want %+v, err %v", c.in, got, err, c.want, c.err)
		}
	}
}

// FuzzScanKeys checks scanKeys against encoding/json: for every valid JSON
// object both read the same time, transactionid and fileid (last key wins,
// exact key match); for any other input it must not panic.
func FuzzScanKeys(f *testing.F) {
	for _, s := range []string{`{"time":"1 Jan 2026 00:00:00","transactionid":"x [1]"}`, `{"a":[{"time":"n"}],"time":null}`, `{"fileid":"\u0041","fileid":"B"}`, `{"x":"\\\"","time":"t"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := scanKeys(raw)
		var m map[string]json.RawMessage
		if !json.Valid(raw) || json.Unmarshal(raw, &m) != nil || m == nil {
			return
		}
		if err != nil {
			t.Fatalf("valid object %q: %v", raw, err)
		}
		want := recordKeys{}
		str := func(key string) (string, bool) {
			var v string
			ok := m[key] != nil && json.Unmarshal(m[key], &v) == nil && m[key][0] == '"'
			return v, ok
		}
		want.Time, want.HasTime = str("time")
		want.TransactionID, _ = str("transactionid")
		want.FileID, _ = str("fileid")
		if got != want {
			t.Fatalf("scanKeys(%q) = %+v, encoding/json reads %+v", raw, got, want)
		}
	})
}
