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

On loopback (the default) it takes its app code and client key from
QFPAY_APP_CODE and QFPAY_CLIENT_KEY (and QFPAY_MCHID), or uses the documented
public sandbox defaults, and prints them as export lines (the rest of its
banner is comments), so pasting the banner into another shell points the
qfpos run there at it.

--listen on any other address (0.0.0.0:PORT for a trade-show stand, so that
phones on the stand's network can open the payer page the QR codes point to)
makes it public: the app code and client key are random unless
QFPAY_APP_CODE / QFPAY_CLIENT_KEY set them, and the key is never printed (set
your own in both this sandbox's and the other qfpos's environment); the
control API answers only with the token printed at start
(Authorization: Bearer TOKEN); each QR's payer page opens only with the key
its QR carries.`,
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
			// The banner pastes into a shell as it is: settings are export
			// lines, everything else a comment.
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "# qfpos sandbox: QFPay sandbox serving at %s\n", srv.URL())
			fmt.Fprintln(out, "# to point another qfpos at it, paste these lines into its shell:")
			fmt.Fprintf(out, "export QFPAY_BASE_URL=%s\n", shellQuote(srv.URL()))
			if cfg.AppCode == "" {
				fmt.Fprintf(out, "export QFPAY_APP_CODE=%s\n", shellQuote(srv.AppCode()))
			}
			switch {
			case key == "" && srv.Public():
				// A random key nobody can learn: requests from elsewhere
				// need a key of the operator's own.
				fmt.Fprintln(out, "# client key: random, not shown; to point another qfpos at this sandbox, restart both with the same QFPAY_APP_CODE and QFPAY_CLIENT_KEY of your own")
			case key == "":
				// The default sandbox key is public (documented); a key of
				// the operator's own is never printed.
				fmt.Fprintf(out, "export QFPAY_CLIENT_KEY=%s\n", shellQuote(sandbox.DefaultClientKey))
			}
			if tok := srv.ControlToken(); tok != "" {
				fmt.Fprintf(out, "# control API token: %s   (Authorization: Bearer TOKEN)\n", tok)
			}
			if srv.Public() {
				fmt.Fprintf(out, "# public: phones reach the payer pages at %s\n", srv.PublicURL())
			}
			fmt.Fprintln(out, "# Press Ctrl-C to stop.")
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

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
