package cli

import (
	"fmt"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
)

func newSandboxCmd(g *globals) *cobra.Command {
	var listen, publicURL, merchant, state string
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the built-in QFPay sandbox as a server of its own",
		Long: `Runs the QFPay sandbox qfpos uses when it has no credentials, as a standalone
HTTP server with QFPay's API, its signature checks and its order states.

It takes its app code and client key from QFPAY_APP_CODE and QFPAY_CLIENT_KEY
(and QFPAY_MCHID), or uses the documented sandbox defaults. Point a qfpos at it
with QFPAY_BASE_URL=http://ADDR and the same app code and key.

It listens on loopback unless told otherwise. --listen 0.0.0.0:PORT lets phones
on the same network open the payer page the QR codes point to (a trade-show
stand); the control API is then reachable from that network too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lookup := g.env.LookupEnv
			if lookup == nil {
				lookup = defaultLookup
			}
			cfg := sandbox.Config{MerchantName: merchant, PublicURL: publicURL, Logger: g.logger(), StatePath: state}
			cfg.AppCode, _ = lookup("QFPAY_APP_CODE")
			key, _ := lookup("QFPAY_CLIENT_KEY")
			cfg.ClientKey = key
			cfg.MchID, _ = lookup("QFPAY_MCHID")
			// The sandbox keeps sysdtm in QFPay's zone (UTC+8), as qfpos
			// expects of QFPay, whatever the machine's zone; QFPAY_TIMEZONE
			// changes both sides alike.
			if z, ok := lookup("QFPAY_TIMEZONE"); ok && strings.TrimSpace(z) != "" {
				loc, err := payment.ParseZone(z)
				if err != nil {
					return usageError("QFPAY_TIMEZONE: %v", err)
				}
				cfg.Location = loc
			}
			srv, err := sandbox.Start(listen, cfg)
			if err != nil {
				return usageError("sandbox: cannot listen on %s: %v", listen, err)
			}
			defer srv.Close()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "qfpos sandbox: QFPay sandbox serving at %s\n", srv.URL())
			fmt.Fprintf(out, "  QFPAY_BASE_URL=%s\n", srv.URL())
			if cfg.AppCode == "" {
				fmt.Fprintf(out, "  QFPAY_APP_CODE=%s\n", sandbox.DefaultAppCode)
			}
			if key == "" {
				// The default sandbox key is public (documented); a key of
				// the operator's own is never printed.
				fmt.Fprintf(out, "  QFPAY_CLIENT_KEY=%s\n", sandbox.DefaultClientKey)
			}
			fmt.Fprintln(out, "Press Ctrl-C to stop.")
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8765", "address to listen on")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "base URL phones use to reach this server (default: derived from --listen)")
	cmd.Flags().StringVar(&state, "state", "", "JSON file that keeps the sandbox's orders across restarts (default: memory only)")
	cmd.Flags().StringVar(&merchant, "merchant-name", "qfpos sandbox shop", "merchant name on the payer page")
	return cmd
}
