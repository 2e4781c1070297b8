package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/receipt"
	"github.com/qfpos/qfpos/store"
)

func init() {
	extraCommands = append(extraCommands, newPrintCmd)
}

func newPrintCmd(g *globals) *cobra.Command {
	var report string
	var merchant, text bool
	cmd := &cobra.Command{
		Use:   "print [ORDER | REFUND] | print --report DAY",
		Short: "Print a paid order's receipt, a refund's, or a day report on the receipt printer",
		Long: `Prints on the configured receipt printer (printer, printer_paper, printer_codepage;
see qfpos help config): the receipt of a paid order, the receipt of a refund
when given the refund's out_trade_no, or with --report the end-of-day report
(today, yesterday or 2026-11-22). --text shows the receipt instead of printing.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			if (report == "") == (len(args) == 0) {
				return usageError("give an ORDER or --report DAY")
			}
			st, err := openStore(cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			var r *receipt.Receipt
			if report != "" {
				d, err := parseWhen(report, cfg.Location(), time.Now())
				if err != nil {
					return usageError("--report: %v", err)
				}
				if r, err = app.DayReceipt(cfg, st, d, time.Now()); err != nil {
					return err
				}
			} else {
				refundNo := ""
				order, err := st.Get(args[0])
				if errors.Is(err, store.ErrNotFound) {
					if order, err = st.FindByRefund(args[0]); err == nil {
						refundNo = args[0]
					}
				}
				if err != nil {
					return usageError("%s: %v", args[0], err)
				}
				if r, err = app.SaleReceipt(cfg, order, refundNo, merchant); err != nil {
					return usageError("%v", err)
				}
			}
			if text {
				fmt.Fprint(cmd.OutOrStdout(), r.Text())
				return nil
			}
			if err := app.PrintReceipt(cmd.Context(), cfg, r); err != nil {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("the receipt did not print: %w", err)}
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "printed on", cfg.Printer)
			return nil
		},
	}
	cmd.Flags().StringVar(&report, "report", "", "print the day report of DAY: today, yesterday or 2026-11-22")
	cmd.Flags().BoolVar(&merchant, "merchant-copy", false, "print the merchant's copy (signature-free footer)")
	cmd.Flags().BoolVar(&text, "text", false, "show the receipt as text instead of printing it")
	return cmd
}
