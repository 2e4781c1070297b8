package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/store"
)

// blockingStart is an engine whose Start waits until the test lets it
// go, like a slow disk's fsync.
type blockingStart struct {
	Engine
	entered chan struct{}
	release chan error // nil: the real Start; else Start fails with it
	calls   int
}

func (e *blockingStart) Start(ctx context.Context, req checkout.Request) (*checkout.Sale, error) {
	e.calls++
	e.entered <- struct{}{}
	if err := <-e.release; err != nil {
		return nil, err
	}
	return e.Engine.Start(ctx, req)
}

// Charge does not wait for the engine to save the order: the tap returns
// while Start blocks, the QR screen says the payment is being created,
// a second Charge (tap, Enter) starts nothing, Cancel cannot be pressed
// yet; when Start returns, the sale goes on to its QR.
func TestChargeDoesNotBlockOnStart(t *testing.T) {
	h := newHarness(t, opts{})
	eng := &blockingStart{Engine: h.g.eng, entered: make(chan struct{}, 4), release: make(chan error, 4)}
	h.g.eng = eng
	h.typeAmount("12.50")
	test.Tap(h.g.amount.charge) // returns although Start blocks
	<-eng.entered
	if h.g.screen != screenQR {
		t.Fatalf("screen = %s while the order is being created, want qr", h.g.screen)
	}
	if got := h.g.qr.status.Text; got != "Creating the payment…" {
		t.Errorf("status = %q, want the creating state", got)
	}
	if !h.g.qr.cancel.Disabled() {
		t.Error("Cancel can be pressed before the order exists")
	}
	test.Tap(h.g.amount.charge)
	h.g.charge()
	if eng.calls != 1 {
		t.Fatalf("Start called %d times by a double charge", eng.calls)
	}
	eng.release <- nil
	h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" })
	if h.g.sale == nil || h.g.qr.cancel.Disabled() {
		t.Fatalf("sale %v, Cancel disabled %v once created", h.g.sale, h.g.qr.cancel.Disabled())
	}
	o, err := h.st.Get(h.g.sale.OutTradeNo())
	if err != nil || o.State != store.StateAwaiting || o.Amount != 1250 {
		t.Fatalf("order %+v, %v", o, err)
	}
}

// A Start that fails brings the amount screen back, amount kept, with
// the reason.
func TestChargeStartFails(t *testing.T) {
	h := newHarness(t, opts{})
	eng := &blockingStart{Engine: h.g.eng, entered: make(chan struct{}, 4), release: make(chan error, 4)}
	h.g.eng = eng
	h.typeAmount("3")
	test.Tap(h.g.amount.charge)
	<-eng.entered
	eng.release <- errors.New("disk full")
	h.waitFor("the amount screen", func() bool { return h.g.screen == screenAmount })
	if h.g.sale != nil || h.g.amount.input != "3" || h.g.amount.starting {
		t.Fatalf("sale %v, input %q, starting %v", h.g.sale, h.g.amount.input, h.g.amount.starting)
	}
	if h.g.lastMsg == nil {
		t.Fatal("no message says why")
	}
	test.Tap(h.g.amount.charge) // and Charge works again
	<-eng.entered
	eng.release <- nil
	h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" })
}
