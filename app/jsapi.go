package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/jsapi"
)

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
