package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/spf13/cobra"
)

// finishCommands makes every mistake on the command line a usage error
// (exit 2, with the usage line), across the whole command tree: unknown
// flags and bad flag values, unknown commands, wrong argument counts and
// missing required flags. It also adds cobra's help and completion commands
// now rather than at Execute, so that they get examples and the same
// checks. Call it once, after every command is added.
func finishCommands(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  gatelog help run\n  gatelog help forcepoint export"
			c.Args = helpTopicArgs
		case "completion":
			c.Example = "  gatelog completion bash > /etc/bash_completion.d/gatelog\n  source <(gatelog completion zsh)"
			for _, sh := range c.Commands() {
				sh.Example = completionExamples[sh.Name()]
			}
		}
	}
	root.SetFlagErrorFunc(usageFor)
	walkCommands(root, finishCommand)
	// Commands that group others run only to show their help; their usage
	// names the subcommands, not a runnable "gatelog state [flags]".
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(),
		"{{if .Runnable}}", "{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
}

var completionExamples = map[string]string{
	"bash":       "  source <(gatelog completion bash)\n  gatelog completion bash > /etc/bash_completion.d/gatelog",
	"zsh":        "  source <(gatelog completion zsh)\n  gatelog completion zsh > \"${fpath[1]}/_gatelog\"",
	"fish":       "  gatelog completion fish | source\n  gatelog completion fish > ~/.config/fish/completions/gatelog.fish",
	"powershell": "  gatelog completion powershell | Out-String | Invoke-Expression",
}

func walkCommands(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, fn)
	}
}

// finishCommand wraps one command's argument check and required-flag
// check so that their errors are usage errors.
func finishCommand(c *cobra.Command) {
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2
	}
	args := c.Args
	switch {
	case c.HasSubCommands():
		// A command that only groups others: cobra would show its help
		// for any word after it (exit 0); an unknown one is a mistake.
		args = subcommandArgs
		if !c.Runnable() {
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
	case args != nil && sameFunc(args, cobra.NoArgs):
		args = noArgs
	}
	if args != nil { // nil: any arguments
		c.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return usageFor(c, err)
			}
			return nil
		}
	}
	if !c.Runnable() {
		return
	}
	// cobra checks required flags after PreRunE, with a plain error;
	// checking them first makes them usage errors.
	pre, preE := c.PreRun, c.PreRunE
	c.PreRun = nil
	c.PreRunE = func(c *cobra.Command, a []string) error {
		if err := c.ValidateRequiredFlags(); err != nil {
			return usageFor(c, err)
		}
		if err := c.ValidateFlagGroups(); err != nil {
			return usageFor(c, err)
		}
		if preE != nil {
			return preE(c, a)
		}
		if pre != nil {
			pre(c, a)
		}
		return nil
	}
}

func sameFunc(a, b cobra.PositionalArgs) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}

// usageFor makes err a usage error of c, followed by c's usage line and
// where to read more. It is also every command's flag error function.
func usageFor(c *cobra.Command, err error) error {
	line := c.UseLine()
	if c.HasAvailableSubCommands() {
		line = c.CommandPath() + " COMMAND [flags]"
	}
	return &usageError{fmt.Errorf("%w\nUsage: %s\nRun '%s --help' for usage.", err, line, c.CommandPath())}
}

// subcommandArgs accepts only the command's own subcommands (which cobra
// dispatches before this), so any word left is an unknown command.
func subcommandArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return errors.New(msg)
}

// noArgs replaces cobra.NoArgs, whose message calls an extra argument an
// unknown command.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q: %s takes no arguments", args[0], c.CommandPath())
	}
	return nil
}

// helpTopicArgs: gatelog help TOPIC names a command; cobra's own help
// prints "Unknown help topic" and exits 0.
func helpTopicArgs(c *cobra.Command, args []string) error {
	target, rest, err := c.Root().Find(args)
	if err != nil || target == nil || len(rest) > 0 {
		return fmt.Errorf("unknown help topic %q (see gatelog --help for the commands)", strings.Join(args, " "))
	}
	return nil
}
