package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
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

// App is the wired engine the subcommands and the GUI share: the
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
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("cannot start the built-in sandbox on %s: %w", cfg.SandboxListen, err)}
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
		return nil, &ExitError{Code: ExitUsage, Err: err}
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
	s, err := openOrders(a.Config)
	if err != nil {
		return nil, err
	}
	a.store = s
	return s, nil
}

// openOrders opens the configuration's order file, refusing one of
// another identity (a sandbox file in live mode, a live file in sandbox
// mode or under other credentials) or a damaged one with exit 2, before
// anything reads or settles its orders. A file made before identities is
// taken as sandbox if it is the default sandbox file, else as live with
// this configuration's base URL and app code.
func openOrders(cfg *config.Config) (*store.Store, error) {
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
		return nil, &ExitError{Code: ExitUsage, Err: err}
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
