package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatelog/gatelog/internal/app"
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
	cmd.AddCommand(newStateShowCommand(g), newStateResetCommand(g), newStateMigrateCommand())
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
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return app.ShowState(cfg.State, asJSON, cmd.OutOrStdout())
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
			if _, err := app.ParseStreamID(args[0]); err != nil {
				return err
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			err = app.ResetStream(cfg.State, args[0], func(id string) bool {
				return yes || confirm(cmd.InOrStdin(), cmd.ErrOrStderr(), fmt.Sprintf("Reset %s? Its next run re-reads from its look-back. [y/N] ", id))
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reset %s\n", args[0])
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

func confirm(in io.Reader, out io.Writer, prompt string) bool {
	fmt.Fprint(out, prompt)
	line, _ := bufio.NewReader(in).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func newStateMigrateCommand() *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "migrate --from FILE --to postgres://...",
		Short: "Copy a state file into a PostgreSQL database, so a single node becomes a cluster",
		Long: `migrate copies every stream's checkpoint, seen marks, request budget and
throttle from the bolt state file --from into the state --to (a PostgreSQL
URL), so that gatelog instances pointed at the database go on where the file
left off, without collecting again. Stop the gatelog that uses the file
first (it holds the file locked). Leases are not copied. A database that
already holds one of the streams is refused: nothing is overwritten.

The password comes from ${PGPASSWORD} or the URL; it is never printed.
Then set state: to the same URL in the configuration.`,
		Example: "  PGPASSWORD=... gatelog state migrate --from ./gatelog-data/state.db --to postgres://gatelog@db:5432/gatelog",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return &usageError{fmt.Errorf("name both --from (the state file) and --to (postgres://...)")}
			}
			rep, err := app.MigrateState(cmd.Context(), from, to, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "migrated %d streams (%d seen marks, %d budgets) from %s to %s\n",
				rep.Streams, rep.Marks, rep.Budgets, from, app.ShownState(to))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the bolt state file to copy from")
	cmd.Flags().StringVar(&to, "to", "", "the PostgreSQL database to copy into (postgres://user@host:5432/db?sslmode=...)")
	return cmd
}
