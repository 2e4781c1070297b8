// Package app wires qfpos once: the configuration, the QFPay client
// (pointed at the built-in sandbox when there are no credentials), the
// order store, the checkout engine, the notification listener and the
// WeChat JSAPI pages. The command line (package cli), the cashier window
// (package ui) and the local API (package api) all run on an App.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// App is the wired engine the subcommands, the GUI and the API share: the
// configuration, the QFPay client (pointed at the built-in sandbox when
// there are no credentials) and, once asked for, the order store.
type App struct {
	Config  *config.Config
	Client  *payment.Client
	Sandbox *sandbox.Server // the in-process sandbox, nil with real credentials
	Log     *slog.Logger

	mu     sync.Mutex
	store  *store.Store
	engine *checkout.Engine
	notify *http.Server
	till   Till
	api    API
}

// UsageError is bad input or configuration found while wiring: nothing
// was sent, nothing stored (the command line's exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Connect builds the QFPay client for cfg, starting the built-in sandbox
// first in sandbox mode.
func Connect(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: log}
	opts := []payment.Option{
		payment.WithLocation(cfg.QFPayLocation()),
		payment.WithLogger(log),
	}
	if cfg.Sandbox() {
		// The in-process sandbox and its client share credentials of their
		// own, random on every start: never the published defaults, which
		// anyone could sign requests or notifications with.
		app, key := randomHex(), randomHex()
		srv, err := sandbox.Start(cfg.SandboxListen, sandbox.Config{
			AppCode:      app,
			ClientKey:    key,
			MerchantName: cfg.MerchantName,
			Location:     cfg.QFPayLocation(),
			Logger:       log,
			// Demo sales survive a restart, so recovery, refunds and
			// reconciliation work in sandbox mode too.
			StatePath: cfg.DB + ".sandbox.json",
		})
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("cannot start the built-in sandbox on %s: %w", cfg.SandboxListen, err)}
		}
		a.Sandbox = srv
		if tok := srv.ControlToken(); tok != "" {
			// Listening beyond loopback (a stand): the control API wants
			// this token, said once at start to whoever runs qfpos.
			log.Warn("the built-in sandbox is reachable beyond loopback: its control API wants Authorization: Bearer TOKEN",
				"listen", cfg.SandboxListen, "public_url", srv.PublicURL(), "token", tok)
		}
		opts = append(opts, payment.WithDirectURL(srv.URL()+"/q/direct")) // WeChat JSAPI: the sandbox's pay page
		c, err := payment.NewClient(srv.URL(), app, key, opts...)
		if err != nil {
			srv.Close()
			return nil, err
		}
		a.Client = c
		return a, nil
	}
	opts = append(opts, payment.WithSignType(cfg.SignType), payment.WithMchID(cfg.MchID))
	c, err := payment.NewClient(cfg.BaseURL, cfg.AppCode, cfg.ClientKey.Reveal(), opts...)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	a.Client = c
	return a, nil
}

// verifyNotification is the notification listener's check: the client's
// own (X-QF-SIGN over the raw body with the client key), after refusing
// a signature made with the published sandbox key, which anyone can
// make. The in-app sandbox uses a random key, and a live key is never the
// published one, so no genuine notification is refused.
func (a *App) verifyNotification(body []byte, sig string) (*payment.Notification, error) {
	if sig != "" && payment.VerifyBody(body, sig, sandbox.DefaultClientKey) {
		return nil, fmt.Errorf("%w: made with the published sandbox key, which anyone can use", payment.ErrBadSignature)
	}
	return a.Client.VerifyNotification(body, sig)
}

// randomHex is 32 random upper-case hex digits (crypto/rand), the shape
// of a QFPay app code or client key.
func randomHex() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return strings.ToUpper(hex.EncodeToString(b))
}

// Store opens the order file on first use.
func (a *App) Store() (*store.Store, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store != nil {
		return a.store, nil
	}
	s, err := OpenOrders(a.Config)
	if err != nil {
		return nil, err
	}
	a.store = s
	return s, nil
}

// OpenOrders opens the configuration's order file, refusing one of
// another identity (a sandbox file in live mode, a live file in sandbox
// mode or under other credentials) or a damaged one with a UsageError, before
// anything reads or settles its orders. A file made before identities is
// taken as sandbox if it is the default sandbox file, else as live with
// this configuration's base URL and app code.
func OpenOrders(cfg *config.Config) (*store.Store, error) {
	want := store.Live(cfg.BaseURL, cfg.AppCode)
	if cfg.Sandbox() {
		want = store.Sandbox()
	}
	legacy := store.Live(cfg.BaseURL, cfg.AppCode)
	if filepath.Clean(cfg.DB) == filepath.Clean(config.DefaultDB(true)) {
		legacy = store.Sandbox()
	}
	s, err := store.Open(cfg.DB, store.WithIdentity(want, legacy))
	if errors.Is(err, store.ErrIdentity) || errors.Is(err, store.ErrDamaged) {
		return nil, &UsageError{Err: err}
	}
	return s, err
}

// Close closes the store and stops the in-process sandbox.
func (a *App) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.notify != nil {
		// A notification being answered (its order already written) gets
		// its SUCCESS out, so QFPay does not send it again; then the rest
		// are cut.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if a.notify.Shutdown(ctx) != nil {
			a.notify.Close()
		}
		cancel()
	}
	if a.store != nil {
		a.store.Close()
		a.store = nil
	}
	if a.Sandbox != nil {
		a.Sandbox.Close()
	}
}

// Engine builds the checkout engine on the app's client and store (once),
// and serves QFPay's notifications when notify_listen is set.
func (a *App) Engine() (*checkout.Engine, error) {
	st, err := a.Store()
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.engine != nil {
		return a.engine, nil
	}
	cfg := a.Config
	eng := checkout.New(a.Client, st, checkout.Settings{
		Currency:      cfg.CurrencyInfo(),
		MaxTxamt:      cfg.MaxTxamt(),
		Expiry:        cfg.QRExpiry,
		Location:      cfg.Location(),
		QFPayZone:     cfg.QFPayLocation(),
		UDID:          cfg.UDID,
		PollShare:     cfg.PollShare,
		Logger:        a.Log,
		NotFoundAfter: cfg.NotFoundAfter,
	})
	if cfg.NotifyListen != "" {
		ln, err := net.Listen("tcp", cfg.NotifyListen)
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("notify_listen %s: %w", cfg.NotifyListen, err)}
		}
		mux := http.NewServeMux()
		mux.Handle("POST /qfpay/notify", eng.NotifyHandler(a.verifyNotification))
		a.notify = newNotifyServer(mux)
		go a.notify.Serve(ln)
	}
	a.engine = eng
	return eng, nil
}
