package cli

import (
	"errors"
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/qfpos/qfpos/api"
)

func init() { extraCommands = append(extraCommands, newServeCmd) }

// cliRanges reads the API's time filters with the command line's own
// parser, so `qfpos orders --from X` and GET /v1/orders?from=X agree.
type cliRanges struct{ loc *time.Location }

func (r cliRanges) Bounds(from, to string) (time.Time, time.Time, error) {
	f, t, err := (&rangeFlags{from: from, to: to}).bounds(r.loc, time.Now())
	return f, t, plain(err)
}

func (r cliRanges) Day(s string) (time.Time, error) {
	d, err := parseWhen(s, r.loc, time.Now())
	return d, plain(err)
}

// plain is an ExitError's message without the exit code.
func plain(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err != nil {
		return ee.Err
	}
	return err
}

// serveAPI serves the local API (package api) on the app's engine, as
// api_listen and api_lan_listen say, and tells w where and where the
// token is. stop ends it.
func (g *globals) serveAPI(a *App, w io.Writer) (stop func(), err error) {
	cfg := a.Config
	if cfg.APIListen == "off" && cfg.APILANListen == "" {
		return func() {}, nil
	}
	eng, err := a.Engine()
	if err != nil {
		return nil, err
	}
	p := api.PathsFor(cfg)
	tok, err := api.LoadToken(p.Token)
	if err != nil {
		return nil, fmt.Errorf("the API token: %w", err)
	}
	srv := api.New(api.Config{Engine: eng, Till: a.Till, Token: tok, Ranges: cliRanges{cfg.Location()}, Log: a.Log, Mode: cfg.Mode()})
	l, err := api.Listen(cfg, srv)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("the local API: %w", err)
	}
	a.SetAPI(l.Local, l.LAN, l.Fingerprint, l.TokenFile)
	if l.Local != "" {
		fmt.Fprintf(w, "qfpos: API on %s (bearer token in %s)\n", l.Local, l.TokenFile)
	}
	if l.LAN != "" {
		fmt.Fprintf(w, "qfpos: API on the LAN at %s, TLS certificate SHA-256 %s\n", l.LAN, l.Fingerprint)
	}
	return func() {
		srv.Close() // first: it ends the open event streams, which l's graceful close would wait for
		l.Close()
	}, nil
}

func newServeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Own the order file and serve the local API headless (a kiosk controller, a server beside the till)",
		Long: `Opens the order file, settles what a crash left unfinished, and serves the
local API until Ctrl-C or SIGTERM: by default on a unix socket in the runtime
directory (api_listen), with the bearer token in a file only you can read; on
the LAN too when api_lan_listen is set, over TLS only. Where both are is
printed at start. See docs/integration.md for the endpoints.

While it runs, 'qfpos orders', 'report', 'export', 'refund', 'reconcile' and
'pay' on this machine go through it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			if cfg.APIListen == "off" && cfg.APILANListen == "" {
				return usageError("api_listen is off and api_lan_listen empty: there is nothing to serve")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			a, err := Connect(ctx, cfg, g.logger())
			if err != nil {
				return err
			}
			defer a.Close()
			end, err := g.serveAPI(a, cmd.ErrOrStderr())
			if err != nil {
				return exitError(apiStartError(err))
			}
			defer end()
			eng, _ := a.Engine()
			recovered := make(chan struct{})
			defer func() { <-recovered }() // before a.Close: recovery writes the order file
			go func() {
				defer close(recovered)
				if _, err := eng.Recover(ctx); err != nil && ctx.Err() == nil {
					a.Log.Warn("recovery", "err", err)
				}
			}()
			if a.Sandbox != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "qfpos: sandbox control API on %s/sandbox/control (pay an order: POST /sandbox/control/pay out_trade_no=…)\n", a.Sandbox.URL())
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "qfpos: serving; Ctrl-C stops")
			<-ctx.Done()
			return nil
		},
	}
}

// apiStartError: another qfpos serving the file is exit 4 (nothing done).
func apiStartError(err error) error {
	if errors.Is(err, api.ErrRunning) {
		return &ExitError{Code: ExitBusy, Err: err}
	}
	return err
}

// withAPI starts the API for a command that owns the order file (the GUI,
// pay); a failure is only a warning on w: the command works without it.
func (g *globals) withAPI(a *App, w io.Writer) func() {
	if _, err := a.Engine(); err != nil {
		return func() {} // the command says why itself
	}
	stop, err := g.serveAPI(a, w)
	if err != nil {
		fmt.Fprintf(w, "qfpos: warning: %v\n", err)
		return func() {}
	}
	return stop
}
