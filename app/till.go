package app

import (
	"context"
	"errors"

	"github.com/qfpos/qfpos/checkout"
)

// Till is the screen sales show on: the cashier window, when one runs.
// The local API (package api) starts its sales through it, so that a
// sale a kiosk controller starts shows like any other and the cashier can
// cancel it.
type Till interface {
	// StartSale starts req as the window's sale, as its Charge button
	// does. It returns ErrBusy, with nothing stored, while another sale is
	// on the screen or starting.
	StartSale(ctx context.Context, req checkout.Request) (*checkout.Sale, error)
}

// ErrBusy is a sale started while another one runs.
var ErrBusy = errors.New("another sale is under way")

// SetTill makes t the screen of the app's sales (the GUI calls it once
// its window is up); nil removes it.
func (a *App) SetTill(t Till) {
	a.mu.Lock()
	a.till = t
	a.mu.Unlock()
}

// Till is the screen of the app's sales, nil when headless.
func (a *App) Till() Till {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.till
}

// API is where the local API is served, for the Settings screen.
type API struct {
	Local       string // "unix:/path" or "http://127.0.0.1:port"
	LAN         string // "https://host:port", "" when off
	Fingerprint string // SHA-256 of the LAN certificate, for pinning
	TokenFile   string
}

// SetAPI records where the local API is served.
func (a *App) SetAPI(local, lan, fingerprint, tokenFile string) {
	a.mu.Lock()
	a.api = API{Local: local, LAN: lan, Fingerprint: fingerprint, TokenFile: tokenFile}
	a.mu.Unlock()
}

// API is where the local API is served (zero when it is not).
func (a *App) API() API {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.api
}
