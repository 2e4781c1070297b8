package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	qfapp "github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/store"
)

// The GUI on an order file it cannot use (damaged, or of another
// identity) shows why in a window and returns the error; it never crashes.
func TestRunOnAnOrderFileItCannotUse(t *testing.T) {
	for _, c := range []struct {
		name string
		make func(t *testing.T, path string)
		want error
	}{
		{"truncated", func(t *testing.T, path string) {
			st, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 50 {
				o := &store.Order{OutTradeNo: fmt.Sprintf("o%04d", i), PayType: "800201", Amount: 100, Currency: "HKD", CreatedAt: time.Now().UTC()}
				if err := st.Create(o); err != nil {
					t.Fatal(err)
				}
			}
			st.Close()
			if err := os.Truncate(path, 8192); err != nil {
				t.Fatal(err)
			}
		}, store.ErrDamaged},
		{"live file, sandbox app", func(t *testing.T, path string) {
			st, err := store.Open(path, store.WithIdentity(store.Live("https://openapi-hk.qfapi.com", "APP"), store.Identity{}))
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
		}, store.ErrIdentity},
	} {
		t.Run(c.name, func(t *testing.T) {
			var quits atomic.Int32
			fa := quitCounter{test.NewTempApp(t), &quits}
			old := newApp
			newApp = func() fyne.App { return fa }
			defer func() { newApp = old }()

			cfg := config.Defaults()
			cfg.DB = filepath.Join(t.TempDir(), "orders.db")
			c.make(t, cfg.DB)
			a, err := qfapp.Connect(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			err = Run(context.Background(), a)
			if !errors.Is(err, c.want) {
				t.Fatalf("Run: %v, want %v", err, c.want)
			}
			var win fyne.Window
			for _, w := range fa.Driver().AllWindows() {
				if w.Title() == "qfpos" {
					win = w
				}
			}
			if win == nil {
				t.Fatal("no window says why")
			}
			var text string
			var quit *widget.Button
			walk(win.Content(), func(o fyne.CanvasObject) {
				switch o := o.(type) {
				case *widget.Label:
					text += o.Text + "\n"
				case *widget.Button:
					quit = o
				}
			})
			if !strings.Contains(text, "Something went wrong") || !strings.Contains(text, cfg.DB+" is ") {
				t.Errorf("window says %q", text)
			}
			if quit == nil {
				t.Fatal("no quit button")
			}
			test.Tap(quit)
			if quits.Load() != 1 {
				t.Error("the button did not quit")
			}
		})
	}
}

// walk calls f on o and everything in the containers under it.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, o := range c.Objects {
			walk(o, f)
		}
	}
}
