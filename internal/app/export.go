package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/retry"
	"github.com/gatelog/gatelog/internal/source"
	"github.com/gatelog/gatelog/internal/source/forcepoint"
)

// ExportOptions is one ad-hoc Forcepoint export: no checkpoint is kept, but
// requests are still counted against the stream's budget in the store.
type ExportOptions struct {
	Source   *config.Source
	LogType  string
	From, To time.Time // To zero: up to now
	// StatePath is the state file whose request budget the export counts
	// against; with NoState the count is kept in memory only.
	StatePath string
	NoState   bool
	Out       io.Writer
	Logger    *slog.Logger
	MaxWait   time.Duration // longest throttle worth waiting for
	Progress  func(records int, bytes int64, newest time.Time)
	Now       func() time.Time
	HTTP      HTTPHooks
}

// ExportTypes are the log types export takes: every type the API serves,
// the opt-in ones included.
func ExportTypes() []string { return slices.Concat(forcepoint.LogTypes(), forcepoint.OptInTypes()) }

// Export writes the log type's records from From to To as JSON Lines.
func Export(ctx context.Context, o ExportOptions) (int, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	fc, ok := o.Source.Settings.(*forcepoint.Config)
	if !ok {
		return 0, fmt.Errorf("source %s is not a forcepoint source", o.Source.Name)
	}
	store, err := openLedger(o.StatePath, o.NoState)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	one := *fc
	one.LogTypes, one.Start = []string{o.LogType}, config.Duration(o.Now().Sub(o.From))
	src, err := forcepoint.Factory.New(o.Source.Name, &one, source.Deps{Ledger: store, Logger: o.Logger, Now: o.Now,
		Observe: o.HTTP.Observe, Trace: o.HTTP.Trace})
	if err != nil {
		return 0, err
	}
	st := src.Streams()[0]
	if err := st.Resume(ctx, nil); err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(o.Out, 1<<20)
	n, err := exportLoop(ctx, st, w, o)
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return n, err
}

func exportLoop(ctx context.Context, st source.Stream, w *bufio.Writer, o ExportOptions) (int, error) {
	var (
		n       int
		bytes   int64
		buf     []byte
		backoff retry.Backoff
		fails   int
	)
	for {
		b, err := st.Fetch(ctx)
		if err != nil {
			if werr := waitOrGiveUp(ctx, err, o, backoff, &fails); werr != nil {
				return n, werr
			}
			continue
		}
		fails = 0
		bytes += b.Bytes
		done := b.CaughtUp
		for _, r := range b.Records {
			if !o.To.IsZero() && !r.Time.Before(o.To) {
				done = true
				continue
			}
			buf = append(r.AppendJSON(buf[:0]), '\n')
			if _, err := w.Write(buf); err != nil {
				return n, fmt.Errorf("write output: %w", err)
			}
			n++
		}
		if len(b.Bad) > 0 {
			o.Logger.Warn("records that do not parse were skipped", "source", o.Source.Name, "stream", o.LogType,
				"count", len(b.Bad), "error", b.Bad[0].Reason) // the first one's reason
		}
		if o.Progress != nil {
			o.Progress(n, bytes, newest(b))
		}
		if done {
			return n, nil
		}
	}
}

// waitOrGiveUp decides what an ad-hoc export does about a fetch error.
func waitOrGiveUp(ctx context.Context, err error, o ExportOptions, b retry.Backoff, fails *int) error {
	if errclass.IsPermanent(err) || ctx.Err() != nil {
		return err
	}
	if until, ok := errclass.ThrottledUntil(err); ok {
		if d := until.Sub(o.Now()); d > o.MaxWait {
			return fmt.Errorf("%w: that is more than --max-wait %s away", err, o.MaxWait)
		}
		o.Logger.Info("throttled: waiting", "source", o.Source.Name, "stream", o.LogType,
			"until", until.UTC().Format(time.RFC3339), "reason", errclass.Reason(err), "error", err.Error())
		return retry.Sleep(ctx, until.Sub(o.Now()))
	}
	if *fails >= 5 {
		return fmt.Errorf("giving up after %d failed attempts: %w", *fails, err)
	}
	o.Logger.Warn("retrying after an error", "source", o.Source.Name, "stream", o.LogType,
		"reason", errclass.Reason(err), "attempt", *fails+1, "error", err.Error())
	*fails++
	return retry.Sleep(ctx, b.Delay(*fails))
}

func newest(b *source.Batch) time.Time {
	if len(b.Records) == 0 {
		return time.Time{}
	}
	return b.Records[len(b.Records)-1].Time
}
