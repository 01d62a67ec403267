package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command's --help shows at least one example: the root, groups,
// cobra's help and completion commands and each shell included.
func TestEveryCommandHasAnExample(t *testing.T) {
	var names []string
	walkCommands(newRootCommand(), func(c *cobra.Command) {
		names = append(names, c.CommandPath())
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no Example", c.CommandPath())
		}
	})
	for _, want := range []string{"gatelog", "gatelog completion", "gatelog completion bash", "gatelog completion zsh",
		"gatelog completion fish", "gatelog completion powershell", "gatelog help", "gatelog version", "gatelog doctor",
		"gatelog state show", "gatelog state reset", "gatelog symantec locations", "gatelog symantec audit",
		"gatelog symantec download", "gatelog forcepoint export", "gatelog simulate", "gatelog demo", "gatelog run"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("the walk did not reach %q (reached %v)", want, names)
		}
	}
}

// Mistakes on the command line are usage errors (exit 2) that end with
// the command's usage line, on every command; none runs anything.
func TestUsageErrorsExitTwoWithTheUsageLine(t *testing.T) {
	for _, c := range []struct {
		args      []string
		msg, path string
	}{
		{[]string{"run", "--nosuch"}, "unknown flag: --nosuch", "gatelog run"},
		{[]string{"--nosuch"}, "unknown flag: --nosuch", "gatelog"},
		{[]string{"nosuch"}, `unknown command "nosuch" for "gatelog"`, "gatelog"},
		{[]string{"stat"}, `unknown command "stat" for "gatelog" (did you mean "state"?)`, "gatelog"},
		{[]string{"state", "nosuch"}, `unknown command "nosuch" for "gatelog state"`, "gatelog state"},
		{[]string{"completion", "tcsh"}, `unknown command "tcsh" for "gatelog completion"`, "gatelog completion"},
		{[]string{"help", "nosuch"}, `unknown help topic "nosuch"`, "gatelog help"},
		{[]string{"forcepoint", "export"}, `required flag(s) "type" not set`, "gatelog forcepoint export"},
		{[]string{"forcepoint", "export", "--type", "nosuchtype"}, `--type "nosuchtype" is not a Forcepoint log type (allowed: access, admin,`, "gatelog forcepoint export"},
		{[]string{"version", "extra"}, `unexpected argument "extra": gatelog version takes no arguments`, "gatelog version"},
		{[]string{"doctor", "extra"}, `unexpected argument "extra"`, "gatelog doctor"},
		{[]string{"completion", "bash", "extra"}, `unexpected argument "extra"`, "gatelog completion bash"},
		{[]string{"state", "reset"}, "name the stream to reset as SOURCE/STREAM", "gatelog state reset"},
		{[]string{"state", "reset", "a/b", "c/d"}, "reset takes one stream at a time, got 2: a/b c/d", "gatelog state reset"},
		{[]string{"run", "--max-wait", "soon"}, `invalid argument "soon" for "--max-wait" flag`, "gatelog run"},
		{[]string{"demo", "--records", "many"}, `invalid argument "many" for "--records" flag`, "gatelog demo"},
		{[]string{"simulate", "x"}, `unexpected argument "x"`, "gatelog simulate"},
		{[]string{"symantec", "locations", "--format"}, "flag needs an argument: --format", "gatelog symantec locations"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			root := newRootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(c.args)
			err := root.ExecuteContext(context.Background())
			// main maps a *usageError to exit 2 (the binary's exit codes
			// are asserted end to end in test/e2e).
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err %v (%T); want a usage error (exit 2)", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.msg) {
				t.Errorf("message %q does not contain %q", msg, c.msg)
			}
			if !strings.HasSuffix(msg, "\nRun '"+c.path+" --help' for usage.") || !(strings.Contains(msg, "\nUsage: "+c.path+" ") || strings.Contains(msg, "\nUsage: "+c.path+"\n")) {
				t.Errorf("no usage line for %s in %q", c.path, msg)
			}
			if out.Len() > 0 {
				t.Errorf("printed %q besides the error", out.String())
			}
		})
	}
}

// A group command alone shows its help and succeeds, as before.
func TestGroupAloneShowsHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"state"}, {"symantec"}, {"completion"}, {"help", "state"}} {
		root := newRootCommand()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(args)
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "Available Commands:") || strings.Contains(out.String(), " [flags]\n  gatelog") {
			t.Errorf("%v: help\n%s", args, out.String())
		}
	}
}
