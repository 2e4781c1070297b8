package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/store"
)

// App is the wiring every command shares (package app).
type App = app.App

// Connect wires the app for cfg (app.Connect); a bad configuration is exit 2.
func Connect(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	a, err := app.Connect(ctx, cfg, log)
	return a, exitError(err)
}

// openOrders opens the configuration's order file (app.OpenOrders); a file
// of another identity or a damaged one is exit 2.
func openOrders(cfg *config.Config) (*store.Store, error) {
	s, err := app.OpenOrders(cfg)
	return s, exitError(err)
}

// exitError maps the app's usage errors to exit 2, and an order file held
// by another qfpos to exit 4.
func exitError(err error) error {
	if errors.Is(err, store.ErrLocked) {
		return &ExitError{Code: ExitBusy, Err: err}
	}
	var ue *app.UsageError
	if errors.As(err, &ue) {
		return &ExitError{Code: ExitUsage, Err: ue.Err}
	}
	return err
}
