package config

import (
	"errors"
	"fmt"
	"testing"
)

func TestFieldErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    FieldError
		want string
	}{
		{FieldError{File: "g.yaml", Line: 3, Field: "listen", Msg: "bad"}, "g.yaml:3: listen: bad"},
		{FieldError{File: "g.yaml", Field: "sources", Msg: "bad"}, "g.yaml: sources: bad"},
		{FieldError{Line: 3, Field: "listen", Msg: "bad"}, "line 3: listen: bad"},
		{FieldError{Field: "listen", Msg: "bad"}, "listen: bad"},
		{FieldError{File: "g.yaml", Line: 1, Msg: "bad"}, "g.yaml:1: bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestFieldErrorsUnwrapsJoinAndWrap(t *testing.T) {
	a, b := &FieldError{Msg: "a"}, &FieldError{Msg: "b"}
	err := fmt.Errorf("load: %w", errors.Join(a, fmt.Errorf("ctx: %w", b)))
	got := FieldErrors(err)
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("FieldErrors = %v", got)
	}
	if FieldErrors(nil) != nil || FieldErrors(errors.New("x")) != nil {
		t.Error("FieldErrors invented errors")
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"name", "type", "log_types", "poll_interval", "auth", "method"}
	for _, tc := range []struct{ word, want string }{
		{"log_type", "log_types"},
		{"logtypes", "log_types"},
		{"pollinterval", "poll_interval"},
		{"Name", "name"},
		{"mehtod", "method"},
		{"tpye", ""}, // too short for two edits
		{"retention", ""},
		{"x", ""},
	} {
		if got := suggest(tc.word, keys); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
