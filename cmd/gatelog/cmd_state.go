package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/state"
	"github.com/gatelog/gatelog/internal/state/bolt"
)

func newStateCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Show or reset stream checkpoints",
		Long: `state shows what gatelog has delivered per stream (checkpoint, newest event,
request budget, lease) and resets a stream so that its next run starts afresh.
It opens the state file named by "state:" in the configuration.`,
		Example: "  gatelog state show -c gatelog.yaml\n  gatelog state reset acme-fp/admin",
	}
	cmd.AddCommand(newStateShowCommand(g), newStateResetCommand(g))
	return cmd
}

func newStateShowCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "List every stream's checkpoint, budget and lease",
		Example: "  gatelog state show -c gatelog.yaml\n" +
			"  gatelog state show --json | jq '.[] | {stream, used: .budget.used}'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := openState(g, true)
			if err != nil {
				return err
			}
			defer store.Close()
			entries, err := store.List()
			if err != nil {
				return err
			}
			if asJSON {
				return writeStateJSON(cmd.OutOrStdout(), entries)
			}
			return writeStateTable(cmd.OutOrStdout(), entries)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

func newStateResetCommand(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "reset SOURCE/STREAM",
		Short: "Forget a stream's checkpoint so its next run starts from its look-back",
		Long: `reset forgets a stream's checkpoint. Its next run starts again from the
source's "start" look-back, so records already delivered may be delivered again.
The request budget is kept: the vendor still counts today's requests.

The stream must be one the state file knows (gatelog state show lists them);
any other name is refused with the list of known streams (exit 2).`,
		Example: "  gatelog state reset acme-fp/admin\n  gatelog state reset acme-wss/accesslog --yes -c /etc/gatelog/gatelog.yaml",
		Args:    oneStreamArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseStreamID(args[0])
			if err != nil {
				return err
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if _, err := os.Stat(cfg.State); errors.Is(err, fs.ErrNotExist) {
				return &usageError{fmt.Errorf("no stream %s to reset: nothing has been collected with the state file %s yet", id, cfg.State)}
			}
			store, err := bolt.Open(cfg.State, bolt.Options{})
			if err != nil {
				return err
			}
			defer store.Close()
			entries, err := store.List()
			if err != nil {
				return err
			}
			if err := knownStream(id, cfg.State, entries); err != nil {
				return err
			}
			if !yes && !confirm(cmd.InOrStdin(), cmd.ErrOrStderr(), fmt.Sprintf("Reset %s? Its next run re-reads from its look-back. [y/N] ", id)) {
				return &usageError{fmt.Errorf("not reset (pass --yes to skip this question)")}
			}
			if err := store.Reset(id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reset %s\n", id)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// oneStreamArg: state reset takes exactly one SOURCE/STREAM.
func oneStreamArg(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return errors.New("name the stream to reset as SOURCE/STREAM, e.g. acme-fp/admin (gatelog state show lists them)")
	case len(args) > 1:
		return fmt.Errorf("reset takes one stream at a time, got %d: %s", len(args), strings.Join(args, " "))
	}
	return nil
}

// knownStream refuses a stream the state file does not hold, listing the
// ones it does: resetting a misspelt name would do nothing and say "reset".
func knownStream(id record.StreamID, path string, entries []state.Entry) error {
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.ID == id {
			return nil
		}
		names = append(names, e.ID.String())
	}
	if len(names) == 0 {
		return &usageError{fmt.Errorf("no stream %s in the state file %s: it holds no streams yet", id, path)}
	}
	hint := ""
	if s := config.Suggest(id.String(), names); s != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", s)
	}
	return &usageError{fmt.Errorf("no stream %s in the state file %s%s; known streams: %s", id, path, hint, strings.Join(names, ", "))}
}

func openState(g *globals, readOnly bool) (state.Store, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	return bolt.Open(cfg.State, bolt.Options{ReadOnly: readOnly})
}

func parseStreamID(s string) (record.StreamID, error) {
	src, stream, ok := strings.Cut(s, "/")
	if !ok || src == "" || stream == "" {
		return record.StreamID{}, &usageError{fmt.Errorf("%q: name a stream as SOURCE/STREAM, e.g. acme-fp/admin (see gatelog state show)", s)}
	}
	return record.StreamID{Source: src, Stream: stream}, nil
}

func confirm(in io.Reader, out io.Writer, prompt string) bool {
	fmt.Fprint(out, prompt)
	line, _ := bufio.NewReader(in).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func writeStateTable(w io.Writer, entries []state.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tRECORDS\tNEWEST EVENT\tCOMMITTED\tBUDGET TODAY\tBLOCKED UNTIL")
	for _, e := range entries {
		records, newest, updated, budget, blocked := "-", "-", "-", "-", "-"
		if c := e.Checkpoint; c != nil {
			records, newest, updated = fmt.Sprint(c.Records), fmtTime(c.EventTime), fmtTime(c.Updated)
		}
		if b := e.Budget; b != nil {
			budget = fmt.Sprintf("%d used (%s)", b.Used, b.Day)
			if b.BlockedUntil.After(time.Now()) {
				blocked = fmtTime(b.BlockedUntil)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, records, newest, updated, budget, blocked)
	}
	return tw.Flush()
}

// stateRow is the JSON form of one stream's state: the cursor is shown as
// text because it is the vendor's paging position, never a credential.
type stateRow struct {
	Stream     string            `json:"stream"`
	Checkpoint *state.Checkpoint `json:"checkpoint,omitempty"`
	Cursor     string            `json:"cursor,omitempty"`
	Budget     *state.Budget     `json:"budget,omitempty"`
	LeaseOwner string            `json:"lease_owner,omitempty"`
	LeaseUntil *time.Time        `json:"lease_until,omitempty"`
}

func writeStateJSON(w io.Writer, entries []state.Entry) error {
	rows := make([]stateRow, 0, len(entries))
	for _, e := range entries {
		r := stateRow{Stream: e.ID.String(), Checkpoint: e.Checkpoint, Budget: e.Budget, LeaseOwner: e.LeaseOwner}
		if e.Checkpoint != nil {
			r.Cursor = string(e.Checkpoint.Cursor)
		}
		if !e.LeaseUntil.IsZero() {
			r.LeaseUntil = &e.LeaseUntil
		}
		rows = append(rows, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}
