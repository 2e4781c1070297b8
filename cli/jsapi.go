package cli

import (
	"fmt"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/app"
)

func init() { extraCommands = append(extraCommands, newJSAPICmd) }

func newJSAPICmd(g *globals) *cobra.Command {
	var listen, public string
	cmd := &cobra.Command{
		Use:   "jsapi",
		Short: "Serve the WeChat JSAPI pages on their own, behind your reverse proxy",
		Long: `Serves the small web pages of WeChat JSAPI payments (pay_type 800207), which
customers open by scanning a sale's JSAPI QR (PUBLIC/jsapi/ORDER) and pay in
WeChat's browser. See the README, "WeChat JSAPI", for the reverse proxy and the
QFPay and WeChat settings they need.

It listens on loopback (--listen, jsapi_listen, default 127.0.0.1:8766) for a
reverse proxy that serves it at --public-url (jsapi_public_url), an https
address. PUBLIC/ answers with a short page, so the proxy and the address can be
checked from a phone before the first sale.

A payment page works while its sale runs in the same qfpos: 'qfpos pay AMOUNT
--jsapi' serves the pages itself for its sale, as the cashier window does when
configured. Pages of sales that are over, or not running here, say so plainly.
In sandbox mode the public URL defaults to the pages' own address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			a, err := Connect(ctx, cfg, g.logger())
			if err != nil {
				return err
			}
			defer a.Close()
			pages, err := a.StartJSAPI(listen, public)
			if err != nil {
				return err
			}
			defer pages.Close()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "qfpos jsapi: WeChat JSAPI pages listening on %s\n", pages.Addr)
			fmt.Fprintf(out, "  public URL: %s (mode %s)\n", pages.PublicURL(), strings.ToLower(cfg.JSAPIMode))
			fmt.Fprintf(out, "  a sale's QR: %s\n", pages.OrderURL("ORDER"))
			fmt.Fprintln(out, "Press Ctrl-C to stop.")
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on (default: jsapi_listen, 127.0.0.1:8766)")
	cmd.Flags().StringVar(&public, "public-url", "", "https address phones reach the pages at, through your reverse proxy (default: jsapi_public_url)")
	return cmd
}

// JSAPIPages are the WeChat JSAPI pages served in-process (package app).
type JSAPIPages = app.JSAPIPages

// resultGrace is app.ResultGrace; tests shorten it.
var resultGrace = app.ResultGrace
