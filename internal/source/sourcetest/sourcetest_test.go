package sourcetest

import (
	"strings"
	"testing"
)

func TestSameSequence(t *testing.T) {
	for _, c := range []struct {
		got, want []string
		says      string
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, ""},
		{[]string{"a"}, []string{"a", "b"}, "1 missing (first b)"},
		{[]string{"a", "b", "a"}, []string{"a", "b"}, "1 duplicated (first a)"},
		{[]string{"a", "x"}, []string{"a"}, "1 unknown (first x)"},
		{[]string{"b", "a"}, []string{"a", "b"}, "out of order from record 0: got b, want a"},
	} {
		diff := sameSequence(c.got, c.want)
		if (c.says == "") != (diff == "") || !strings.Contains(diff, c.says) {
			t.Errorf("sameSequence(%q, %q) = %q, want it to say %q", c.got, c.want, diff, c.says)
		}
	}
}

func TestWithout(t *testing.T) {
	got := without([]string{"Resume", "ExactlyOnce", "Resume", "Close"}, []string{"Close"})
	if strings.Join(got, ",") != "ExactlyOnce,Resume" {
		t.Fatalf("without = %q", got)
	}
}
