package ui

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"github.com/qfpos/qfpos/checkout"
)

// shutdownBudget is how long quitting waits for a sale still open to be
// closed at QFPay and confirmed: the sale's confirmation budget (the
// engine gives a close 30 s too). Past it the sale is recorded unknown.
const shutdownBudget = 30 * time.Second

// watchdogGrace is how long after shutdownBudget the watchdog ends the
// process when shutdown has not ended by itself: 33 s after the quit at
// the latest.
const watchdogGrace = 3 * time.Second

// saleTracker is the engine, remembering the last sale it started so the
// watchdog can find a sale still open from any goroutine (the gui's sale
// field belongs to the UI goroutine, which may be stuck).
type saleTracker struct {
	Engine
	last atomic.Pointer[checkout.Sale]
}

func (t *saleTracker) Start(ctx context.Context, req checkout.Request) (*checkout.Sale, error) {
	s, err := t.Engine.Start(ctx, req)
	if s != nil {
		t.last.Store(s)
	}
	return s, err
}

// open returns the last sale if it has not ended, else nil. The GUI runs
// one sale at a time.
func (t *saleTracker) open() *checkout.Sale {
	s := t.last.Load()
	if s == nil {
		return nil
	}
	select {
	case <-s.Done():
		return nil
	default:
		return s
	}
}

// abandon records a sale that did not settle in time unknown, and says so.
func abandon(s *checkout.Sale, log *slog.Logger) {
	states, err := s.Abandon("qfpos quit before the sale was confirmed; query it (qfpos reconcile)")
	if err != nil {
		log.Error("quitting: cannot record the open sale unknown; it stays open in the order file for recovery", "out_trade_no", s.OutTradeNo(), "err", err)
	}
	for no, st := range states {
		log.Warn("quitting before the sale settled", "out_trade_no", no, "state", st)
	}
}

// quitApp is the Fyne app whose Quit first runs before: every quit the
// GUI asks for (close button, kiosk staff menu, the end of a sale being
// closed) arms the watchdog and stops handing work to Fyne.
type quitApp struct {
	fyne.App
	before func()
}

func (a *quitApp) Quit() {
	if a.before != nil {
		a.before()
	}
	a.App.Quit()
}

// watchdog ends the process when shutdown outlasts its budget: Fyne's
// event loop may never return (docs/upstream-fyne-shutdown.md), or a
// sale's close may hang. It first records the open sale unknown unless it
// has settled, so the process never ends with a sale neither settled nor
// recorded.
type watchdog struct {
	sales         *saleTracker
	log           *slog.Logger
	budget, grace time.Duration
	exit          func(code int)

	once  sync.Once
	armed time.Time
	off   chan struct{}
	stop  sync.Once
}

func newWatchdog(sales *saleTracker, log *slog.Logger, budget, grace time.Duration, exit func(int)) *watchdog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &watchdog{sales: sales, log: log, budget: budget, grace: grace, exit: exit, off: make(chan struct{})}
}

// arm starts the watchdog at the first call (any goroutine) and returns
// when it was armed; shutdown's budget counts from then.
func (w *watchdog) arm() time.Time {
	w.once.Do(func() {
		w.armed = time.Now()
		go w.watch()
	})
	return w.armed
}

// disarm stops it: shutdown is over.
func (w *watchdog) disarm() { w.stop.Do(func() { close(w.off) }) }

func (w *watchdog) watch() {
	t := time.NewTimer(w.budget + w.grace)
	defer t.Stop()
	select {
	case <-w.off:
		return
	case <-t.C:
	}
	if s := w.sales.open(); s != nil {
		abandon(s, w.log)
	}
	w.log.Error("shutdown did not end in time; ending the process", "after", w.budget+w.grace)
	w.exit(1)
}

// stopHooks is what Fyne 2.8's app lifecycle offers beyond fyne.Lifecycle.
type stopHooks interface {
	OnStopped() func()
	SetOnStopped(func())
	SetOnStoppedHookExecuted(func())
}

// detachStopHook takes Fyne's "stopped" hooks off its lifecycle and
// returns them, for the caller to run once the event loop has returned
// (nil when there are none or this Fyne has no such hooks). Fyne 2.8.0
// sends that hook from its lifecycle goroutine to the main loop while the
// loop is draining its queue at quit; when the send lands after the drain,
// both wait for each other forever (docs/upstream-fyne-shutdown.md).
// Without a hook nothing is sent at quit.
func detachStopHook(l fyne.Lifecycle) func() {
	h, ok := l.(stopHooks)
	if !ok {
		return nil
	}
	f := h.OnStopped()
	h.SetOnStopped(nil)
	h.SetOnStoppedHookExecuted(nil)
	return f
}
