package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
)

func init() {
	extraCommands = append(extraCommands, newOrdersCmd, newReconcileCmd, newRefundCmd, newReportCmd, newExportCmd)
}

// parseWhen reads a point in time for --from/--to/--day: "today",
// "yesterday", a day "2026-11-22" (midnight in loc), "2026-11-22 15:04",
// or RFC 3339.
func parseWhen(s string, loc *time.Location, now time.Time) (time.Time, error) {
	t, _, err := parseBound(s, loc, now)
	return t, err
}

// parseBound is parseWhen, and whether s names a whole day (today,
// yesterday, tomorrow, 2026-11-22) rather than an instant.
func parseBound(s string, loc *time.Location, now time.Time) (t time.Time, wholeDay bool, err error) {
	s = strings.TrimSpace(s)
	day, _ := checkout.DayBounds(now, loc)
	switch strings.ToLower(s) {
	case "today":
		return day, true, nil
	case "yesterday":
		return day.AddDate(0, 0, -1), true, nil
	case "tomorrow":
		return day.AddDate(0, 0, 1), true, nil
	case "now":
		return now, false, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, false, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a time (use today, yesterday, 2026-11-22, \"2026-11-22 15:04\" or RFC 3339)", s)
}

// rangeFlags are --from and --to. Days are whole: --from D starts at D's
// midnight, --to D ends at the end of D (today included for --to today);
// a time of day is that instant (--to's is exclusive). Without --to the
// range runs to the end of today, so --from D alone is D up to now, and
// neither flag is today.
type rangeFlags struct{ from, to string }

const rangeHelp = `
Ranges are of whole days in the configured time zone, both ends included:
--from 2026-11-01 --to today is 1 November through the end of today. A
time of day ("2026-11-22 15:04", RFC 3339) is that instant, and --to's is
exclusive. Without --to the range runs through today, so --from D alone
is D up to now; without either it is today.`

func (r *rangeFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.from, "from", "today", "start, included: today, yesterday, 2026-11-22 (from its midnight), \"2026-11-22 15:04\", RFC 3339")
	cmd.Flags().StringVar(&r.to, "to", "", "end: a day is included whole (today, 2026-11-30); a time is exclusive (default: through today)")
	cmd.Long = cmd.Short + "\n" + rangeHelp
}

func (r *rangeFlags) bounds(loc *time.Location, now time.Time) (from, to time.Time, err error) {
	if from, _, err = parseBound(r.from, loc, now); err != nil {
		return from, to, usageError("--from: %v", err)
	}
	toArg := r.to
	if toArg == "" {
		toArg = "today"
	}
	to, wholeDay, err := parseBound(toArg, loc, now)
	if err != nil {
		return from, to, usageError("--to: %v", err)
	}
	if wholeDay {
		_, to = checkout.DayBounds(to, loc) // a whole day is included
	}
	if !to.After(from) {
		if r.to == "" {
			return from, to, usageError("--from %s is after today: give --to too", r.from)
		}
		return from, to, usageError("--to must be after --from")
	}
	return from, to, nil
}

// openStore opens the order file for a read-only command.
func openStore(cfg *config.Config) (*store.Store, error) {
	st, err := openOrders(cfg)
	var ee *ExitError
	if err != nil && !errors.As(err, &ee) {
		return nil, &ExitError{Code: ExitFailed, Err: err}
	}
	return st, err
}

// engine wires the app and its checkout engine for a subcommand; the
// caller closes the app.
func (g *globals) engine(ctx context.Context, cfg *config.Config) (*App, *checkout.Engine, error) {
	a, err := Connect(ctx, cfg, g.logger())
	if err != nil {
		return nil, nil, err
	}
	eng, err := a.Engine()
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, eng, nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func amountOf(currency string, minor int64) string {
	if cur, err := money.Lookup(currency); err == nil {
		return cur.Format(minor)
	}
	return fmt.Sprintf("%d %s", minor, currency)
}

func newOrdersCmd(g *globals) *cobra.Command {
	var r rangeFlags
	var state string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "orders",
		Short: "List orders, newest first (default: today's)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			from, to, err := r.bounds(cfg.Location(), time.Now())
			if err != nil {
				return err
			}
			if state != "" && !validState(store.State(state)) {
				return usageError("--state %q: use creating, awaiting, unknown, paid, failed, expired or cancelled", state)
			}
			if c, err := g.remote(cmd, cfg); c != nil || err != nil {
				return orRemote(err, func() error { return remoteOrders(cmd, c, cfg, r, from, to, state, asJSON, limit) })
			}
			st, err := openStore(cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			out := cmd.OutOrStdout()
			q := store.ListQuery{From: from, To: to, State: store.State(state)}
			if asJSON {
				// Streamed: each page is written as it is read.
				_, err := st.ExportJSON(out, q, limit)
				return err
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CREATED\tOUT_TRADE_NO\tSTATE\tAMOUNT\tSYSSN\tGOODS")
			n := 0
			for cursor := ""; ; {
				q.Limit, q.Cursor = 200, cursor
				if limit > 0 {
					q.Limit = min(200, limit-n)
				}
				page, next, err := st.List(q)
				if err != nil {
					return err
				}
				for _, o := range page {
					amt := amountOf(o.Currency, o.Amount)
					if r := o.Refunded(); r > 0 {
						amt += " (refunded " + amountOf(o.Currency, r) + ")"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.CreatedAt.In(cfg.Location()).Format("2006-01-02 15:04:05"), o.OutTradeNo, o.State, amt, o.SysSN, o.GoodsName)
				}
				n += len(page)
				if next == "" || limit > 0 && n >= limit {
					break
				}
				cursor = next
			}
			tw.Flush()
			fmt.Fprintf(cmd.ErrOrStderr(), "%s from %s to %s\n", plural(n, "order", "orders"), from.Format(time.RFC3339), to.Format(time.RFC3339))
			return nil
		},
	}
	r.add(cmd)
	cmd.Flags().StringVar(&state, "state", "", "only orders in this state")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many orders (0 = all)")
	return cmd
}

func validState(s store.State) bool {
	switch s {
	case store.StateCreating, store.StateAwaiting, store.StateUnknown, store.StatePaid, store.StateFailed, store.StateExpired, store.StateCancelled:
		return true
	}
	return false
}

func newReconcileCmd(g *globals) *cobra.Command {
	var day string
	var skipDay bool
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Settle every unfinished order by query, then check a day against QFPay's records",
		Long: `Queries QFPay for every order that is not final (what qfpos also does on
start-up) and settles it; then compares the day's orders with QFPay's own
records (time-range query, every page) and lists each mismatch.

Exit 0 when everything is settled and matches, 1 when there are mismatches,
3 when some orders are still unknown (QFPay could not be reached).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			d, err := parseWhen(day, cfg.Location(), time.Now())
			if err != nil {
				return usageError("--day: %v", err)
			}
			if c, err := g.remote(cmd, cfg); c != nil || err != nil {
				return orRemote(err, func() error { return remoteReconcile(cmd, c, cfg, day, skipDay) })
			}
			a, eng, err := g.engine(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			out := cmd.OutOrStdout()
			settled, err := eng.Recover(cmd.Context())
			if err != nil {
				return err
			}
			stillOpen := 0
			for _, s := range settled {
				line := fmt.Sprintf("settled %s: %s", s.OutTradeNo, s.Note)
				if s.Err != nil {
					line = fmt.Sprintf("unsettled %s: %s (%v)", s.OutTradeNo, s.Note, s.Err)
				}
				if !s.To.Final() {
					stillOpen++
				}
				fmt.Fprintln(out, line)
			}
			fmt.Fprintf(out, "recover: %s checked, %d still open\n", plural(len(settled), "unfinished order", "unfinished orders"), stillOpen)
			mismatches := 0
			if !skipDay {
				ms, err := eng.Reconcile(cmd.Context(), d)
				if err != nil {
					return &ExitError{Code: ExitUnknown, Err: err}
				}
				for _, m := range ms {
					fmt.Fprintf(out, "mismatch %s (syssn %s): %s — here %s %s, QFPay %s %s\n", m.OutTradeNo, m.SysSN, m.Problem,
						orDash(string(m.Local)), amountOf(cfg.Currency, m.LocalAmount), orDash(string(m.Remote)), amountOf(cfg.Currency, m.RemoteAmount))
				}
				mismatches = len(ms)
				from, _ := checkout.DayBounds(d, cfg.Location())
				fmt.Fprintf(out, "day %s: %s with QFPay\n", from.Format("2006-01-02"), plural(mismatches, "mismatch", "mismatches"))
			}
			switch {
			case stillOpen > 0:
				return &ExitError{Code: ExitUnknown}
			case mismatches > 0:
				return &ExitError{Code: ExitFailed}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&day, "day", "today", "the day to check against QFPay")
	cmd.Flags().BoolVar(&skipDay, "no-day", false, "only settle unfinished orders")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newRefundCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "refund OUT_TRADE_NO [AMOUNT]",
		Short: "Refund a paid order, fully or partly (AMOUNT in major units)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			if c, err := g.remote(cmd, cfg); c != nil || err != nil {
				return orRemote(err, func() error { return remoteRefund(cmd, c, args) })
			}
			a, eng, err := g.engine(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			o, err := eng.Store().Get(args[0])
			if errors.Is(err, store.ErrNotFound) {
				return usageError("there is no order %s in %s (qfpos orders lists them)", args[0], cfg.DB)
			}
			if err != nil {
				return &ExitError{Code: ExitFailed, Err: err}
			}
			if o.State != store.StatePaid {
				return usageError("order %s cannot be refunded: it is %s, and only a paid order can be", o.OutTradeNo, o.State)
			}
			cur, err := money.Lookup(o.Currency)
			if err != nil {
				return usageError("order %s is in %s, which this qfpos cannot handle: %v", o.OutTradeNo, o.Currency, err)
			}
			left := refundLeft(o)
			if left <= 0 {
				return usageError("nothing is left to refund on order %s: all of its %s is refunded or being refunded", o.OutTradeNo, cur.Format(o.Amount))
			}
			var amount int64
			if len(args) == 2 {
				if amount, err = cur.Parse(args[1], 0); err != nil {
					return usageError("amount %q: %v", args[1], err)
				}
				if amount > left {
					return usageError("%s", tooMuchRefund(cur, o, amount))
				}
			}
			ref, err := eng.Refund(cmd.Context(), o.OutTradeNo, amount)
			if ref.OutTradeNo == "" && err != nil {
				// Refused before anything was sent: another refund may
				// have taken the rest meanwhile.
				if o2, gerr := eng.Store().Get(o.OutTradeNo); gerr == nil && errors.Is(err, checkout.ErrRefundTooMuch) {
					return usageError("%s", tooMuchRefund(cur, o2, max(amount, refundLeft(o2)+1)))
				}
				if errors.Is(err, checkout.ErrNotRefundable) {
					return usageError("order %s cannot be refunded: only a paid order can be", o.OutTradeNo)
				}
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("the refund could not be saved, so nothing was sent to QFPay: %w", err)}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "refund %s %s of %s: %s %s\n", ref.OutTradeNo, amountOf(o.Currency, ref.Amount), o.OutTradeNo, ref.State, ref.SysSN)
			switch ref.State {
			case store.RefundDone:
				return nil
			case store.RefundFailed:
				return &ExitError{Code: ExitFailed, Err: err}
			}
			return &ExitError{Code: ExitUnknown, Err: err}
		},
	}
	cmd.SetFlagErrorFunc(negativeAmount)
	return cmd
}

// plural is "1 order", "0 orders", "2 orders".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// refundLeft is what can still be refunded of o: its amount less every
// refund not failed (done, and those being made or not yet known).
func refundLeft(o *store.Order) int64 {
	left := o.Amount
	for _, r := range o.Refunds {
		if r.State != store.RefundFailed {
			left -= r.Amount
		}
	}
	return left
}

// tooMuchRefund says why amount cannot be refunded of o, naming what is
// left.
func tooMuchRefund(cur money.Currency, o *store.Order, amount int64) string {
	left := max(refundLeft(o), 0)
	if left == 0 {
		return fmt.Sprintf("nothing is left to refund on order %s: all of its %s is refunded or being refunded", o.OutTradeNo, cur.Format(o.Amount))
	}
	return fmt.Sprintf("cannot refund %s: only %s of order %s's %s is left to refund", cur.Format(amount), cur.Format(left), o.OutTradeNo, cur.Format(o.Amount))
}

func newReportCmd(g *globals) *cobra.Command {
	var day string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Day totals per currency and state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			d, err := parseWhen(day, cfg.Location(), time.Now())
			if err != nil {
				return usageError("--day: %v", err)
			}
			if c, err := g.remote(cmd, cfg); c != nil || err != nil {
				return orRemote(err, func() error { return remoteReport(cmd, c, cfg, day, asJSON) })
			}
			st, err := openStore(cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			from, to := checkout.DayBounds(d, cfg.Location())
			totals, err := st.Totals(from, to)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, map[string]any{"day": from.Format("2006-01-02"), "totals": totals})
			}
			fmt.Fprintf(out, "Day %s (%s)\n", from.Format("2006-01-02"), cfg.Location())
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CURRENCY\tSTATE\tORDERS\tAMOUNT\tREFUNDED")
			for _, t := range totals {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", t.Currency, t.State, t.Count, amountOf(t.Currency, t.Amount), amountOf(t.Currency, t.Refunded))
			}
			tw.Flush()
			return nil
		},
	}
	cmd.Flags().StringVar(&day, "day", "today", "the day: today, yesterday or 2026-11-22")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newExportCmd(g *globals) *cobra.Command {
	var r rangeFlags
	var file string
	cmd := &cobra.Command{
		Use:   "export --csv FILE",
		Short: "Export orders of a time range as CSV (default: today's); FILE - is stdout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			if file == "" {
				return usageError("--csv FILE is required")
			}
			from, to, err := r.bounds(cfg.Location(), time.Now())
			if err != nil {
				return err
			}
			if c, err := g.remote(cmd, cfg); c != nil || err != nil {
				return orRemote(err, func() error { return remoteExport(cmd, c, r, file) })
			}
			st, err := openStore(cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if file == "-" {
				return st.ExportCSV(cmd.OutOrStdout(), from, to)
			}
			f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return &ExitError{Code: ExitFailed, Err: err}
			}
			if err := st.ExportCSV(f, from, to); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %s to %s\n", from.Format("2006-01-02 15:04")+" – "+to.Format("2006-01-02 15:04"), file)
			return nil
		},
	}
	r.add(cmd)
	cmd.Flags().StringVar(&file, "csv", "", "the CSV file to write (- for stdout)")
	return cmd
}
