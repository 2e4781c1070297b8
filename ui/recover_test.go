package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/store"
)

// Start-up recovery on the real engine: an order left unknown by an
// earlier run that QFPay never got is settled failed without bothering
// the cashier; one too recent to decide stays unknown, and the cashier is
// told not to charge it again.
func TestStartRecover(t *testing.T) {
	h := newHarness(t, opts{})
	now := time.Now()
	for _, o := range []*store.Order{
		{OutTradeNo: "QFOLDUNKNOWN0001", Amount: 100, Currency: "HKD", CreatedAt: now.Add(-10 * time.Minute), ExpiresAt: now.Add(-5 * time.Minute), State: store.StateUnknown},
		{OutTradeNo: "QFNEWUNKNOWN0001", Amount: 200, Currency: "HKD", CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute), State: store.StateUnknown},
	} {
		if err := h.st.Create(o); err != nil {
			t.Fatal(err)
		}
	}
	h.g.startRecover()
	h.waitFor("the recovery's message", func() bool { return h.g.lastMsg != nil })
	m := h.g.lastMsg
	want := "Order QFNEWUNKNOWN0001: not known yet whether it was paid. Do not charge for it again until History shows it settled."
	if m.title != "Payments to check" || m.text.Text != want {
		t.Fatalf("message %q: %q", m.title, m.text.Text)
	}
	if o, _ := h.st.Get("QFOLDUNKNOWN0001"); o.State != store.StateFailed {
		t.Errorf("old unknown order is %s, want failed (never reached QFPay)", o.State)
	}
	if o, _ := h.st.Get("QFNEWUNKNOWN0001"); o.State != store.StateUnknown {
		t.Errorf("recent unknown order is %s", o.State)
	}
}

// fakeRecover is the real engine with Recover's answer made up.
type fakeRecover struct {
	Engine
	res    []checkout.Settled
	called chan struct{}
}

func (f fakeRecover) Recover(context.Context) ([]checkout.Settled, error) {
	defer close(f.called)
	return f.res, nil
}

// What recovery found that the cashier must act on (a sale paid twice,
// an order still unknown) is shown in the cashier's language, not only
// logged; during a sale it waits for the next amount screen. Orders that
// settled are not mentioned.
func TestRecoverTellsTheCashier(t *testing.T) {
	h := newHarness(t, opts{language: "zh-Hant"})
	eng := h.g.eng
	settled := []checkout.Settled{
		{OutTradeNo: "QFD", From: store.StateAwaiting, To: store.StateExpired, Note: "awaiting → expired"},
		{OutTradeNo: "QFE", From: store.StateCreating, To: store.StateAwaiting, Note: "still payable until 10:05:00"},
	}

	// Nothing to act on: no message.
	f := fakeRecover{Engine: eng, res: settled, called: make(chan struct{})}
	h.g.eng = f
	h.g.startRecover()
	<-f.called
	time.Sleep(50 * time.Millisecond)
	h.drain()
	if h.g.lastMsg != nil || len(h.g.open) != 0 {
		t.Fatalf("%d dialogs for orders that settled", len(h.g.open))
	}

	// A sale paid twice and an order still unknown, found during a sale.
	h.g.eng = eng
	h.typeAmount("5")
	o := h.chargeAndWaitQR()
	f = fakeRecover{Engine: eng, called: make(chan struct{}), res: append(settled,
		checkout.Settled{OutTradeNo: "QFB", From: store.StateAwaiting, To: store.StatePaid, Note: "paid twice — refund one: QFA and QFB"},
		checkout.Settled{OutTradeNo: "QFC", From: store.StateUnknown, To: store.StateUnknown, Note: "QFPay could not be asked; will try again", Err: errors.New("timeout")},
	)}
	h.g.eng = f
	h.g.startRecover()
	h.waitFor("the recovery", func() bool { return h.g.recoverNotice != "" })
	h.g.eng = eng
	if len(h.g.open) != 0 {
		t.Fatal("a message covers the customer's QR")
	}
	if err := h.srv.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	if len(h.g.open) != 0 {
		t.Fatal("a message covers the customer's result")
	}
	tapIn(t, h.g.result.done)
	m := h.g.lastMsg
	want := "重複付款：QFA, QFB。請在「記錄」中退回其中一筆。\n\n訂單 QFC：尚未確定是否已付款。在「記錄」顯示結果之前，請勿再次收款。"
	if m == nil || m.title != "需要核對的付款" || m.text.Text != want {
		t.Fatalf("message after the sale: %+v", m)
	}
	if h.g.recoverNotice != "" {
		t.Error("the notice is kept after it was shown")
	}
}
