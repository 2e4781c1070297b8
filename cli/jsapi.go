package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/jsapi"
)

func init() { extraCommands = append(extraCommands, newJSAPICmd) }

// JSAPIPages are the WeChat JSAPI pages (package jsapi) served in-process
// for the sales of the App's engine.
type JSAPIPages struct {
	*jsapi.Server
	// Addr is where the pages listen, e.g. "127.0.0.1:8766"; a reverse
	// proxy serves them to phones at PublicURL().
	Addr string
	srv  *http.Server
}

// Close stops serving the pages. The pages being answered get a few
// seconds to finish (a customer's result page among them).
func (p *JSAPIPages) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil {
		return p.srv.Close()
	}
	return nil
}

// closeWait bounds how long Close waits for the pages being answered.
const closeWait = 5 * time.Second

// ResultGrace is how long `qfpos pay --jsapi` keeps serving its pages
// after its sale ended, for the customer who has just paid in WeChat and
// is on the way to the result page: without it, that page would be dead
// (or a 502 behind the proxy). New payments of the sale are refused
// meanwhile (its pages say it is closed).
const ResultGrace = 2 * time.Minute

// resultGrace is ResultGrace; tests shorten it.
var resultGrace = ResultGrace

// Linger keeps the pages up after the sale of the 800201 order ended,
// while some attempt the pages sent a phone to pay has not had its final
// outcome shown on a page: until every one has, grace has passed, or ctx
// ends (Ctrl-C). It returns at once when the pages started no attempt.
func (p *JSAPIPages) Linger(ctx context.Context, order string, grace time.Duration, w io.Writer) {
	n, changed := p.Unseen(order)
	if n == 0 || ctx.Err() != nil {
		return
	}
	fmt.Fprintf(w, "qfpos: keeping the WeChat pages up for the customer's result (at most %s; Ctrl-C stops now)\n", grace)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for n > 0 {
		select {
		case <-changed:
			n, changed = p.Unseen(order)
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// StartJSAPI serves the WeChat JSAPI pages of the App's engine on listen
// ("" means jsapi_listen). public is the base URL phones reach them at
// ("" means jsapi_public_url); in sandbox mode it defaults to the pages'
// own URL, and the sandbox's /q/direct page is used. With real
// credentials a public URL is required: the https address of the
// merchant's reverse proxy.
func (a *App) StartJSAPI(listen, public string) (*JSAPIPages, error) {
	cfg := a.Config
	if listen == "" {
		listen = cfg.JSAPIListen
	}
	if public == "" {
		public = cfg.JSAPIPublicURL
	}
	if public != "" {
		u, err := config.ParsePublicURL(public)
		if err != nil {
			return nil, usageError("JSAPI public URL: %v", err)
		}
		public = u
	} else if !cfg.Sandbox() {
		return nil, usageError("the WeChat JSAPI pages need jsapi_public_url (QFPOS_JSAPI_PUBLIC_URL, --public-url): the https address your reverse proxy serves them at (see the README, \"WeChat JSAPI\")")
	}
	eng, err := a.Engine()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, usageError("cannot serve the WeChat JSAPI pages on %s: %v", listen, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if public == "" { // sandbox: the pages' own address
		host := addr.IP.String()
		if addr.IP.IsUnspecified() {
			host = "127.0.0.1"
		}
		public = "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
	}
	pages, err := jsapi.New(eng, a.Client, jsapi.Config{
		PublicURL:    public,
		Mode:         jsapi.Mode(cfg.JSAPIMode),
		OAuthURL:     cfg.JSAPIOAuthURL,
		OAuthSecret:  cfg.JSAPIOAuthSecret.Reveal(),
		MerchantName: cfg.MerchantName,
		Language:     cfg.Language,
		Sandbox:      cfg.Sandbox(),
		Logger:       a.Log,
	})
	if err != nil {
		ln.Close()
		return nil, usageError("%v", err)
	}
	p := &JSAPIPages{Server: pages, Addr: ln.Addr().String(), srv: &http.Server{
		Handler:           pages,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second, // a callback waits for QFPay's answers
		IdleTimeout:       2 * time.Minute,
	}}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("jsapi pages stopped", "err", err)
		}
	}()
	return p, nil
}

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
