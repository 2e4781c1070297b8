package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// QFPay stops answering the checks of a live QR: after troubleDim the QR
// is dimmed with a note (no new customer scans it), the cashier is told
// to look at the customer's WeChat payment record, the customer display
// asks the customer to wait; once QFPay answers again the veil lifts.
func TestNetworkTroubleDimsTheQR(t *testing.T) {
	h := newHarness(t, opts{})
	test.Tap(h.g.nav.customer)
	c := h.g.customer
	h.typeAmount("9")
	h.chargeAndWaitQR()
	h.srv.SetFaults(sandbox.Faults{
		Query: []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 100000}},
		Close: []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 100000}},
	})
	h.waitFor("the network trouble", func() bool { return h.g.qr.status.Text == "Network trouble — still checking" })
	if h.g.qr.dimmed || drawn(h.w, h.g.qr.dim) {
		t.Fatal("the QR is dimmed at the first failed check")
	}
	h.clock.Set(time.Now().Add(troubleDim + time.Second))
	h.waitFor("the dimmed QR", func() bool { return h.g.qr.dimmed && c.qr.dimmed })
	if !drawn(h.w, h.g.qr.dim) || h.g.qr.dimNote.Text != "Do not scan — checking the payment" {
		t.Errorf("the veil is not drawn over the QR (note %q)", h.g.qr.dimNote.Text)
	}
	if !strings.Contains(h.g.qr.status.Text, "Ask to see the customer's WeChat payment record") {
		t.Errorf("cashier's status = %q", h.g.qr.status.Text)
	}
	if c.qr.status.Text != "Please wait, confirming your payment" {
		t.Errorf("customer's status = %q", c.qr.status.Text)
	}
	h.srv.SetFaults(sandbox.Faults{})
	h.clock.Set(time.Time{})
	h.waitFor("the veil to lift", func() bool { return !h.g.qr.dimmed && !c.qr.dimmed })
	if h.g.screen != screenQR || h.g.qr.status.Text == "" || strings.Contains(h.g.qr.status.Text, "WeChat payment record") {
		t.Errorf("after QFPay answers: %s %q", h.g.screen, h.g.qr.status.Text)
	}
}

// A result reached after an unknown outcome stays on screen until someone
// taps it: the cashier may have looked away while it was checked.
func TestSettledAfterUnknownStays(t *testing.T) {
	h := newHarness(t, opts{expiry: time.Second})
	h.srv.SetFaults(sandbox.Faults{
		Payment: []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}},
		Query:   []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 100000}},
		Close:   []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 100000}},
	})
	h.typeAmount("4")
	test.Tap(h.g.amount.charge)
	h.waitResult()
	if h.g.result.state != store.StateUnknown {
		t.Fatalf("result = %s", h.g.result.state)
	}
	h.g.d.ResultDelay = 20 * time.Millisecond
	if err := h.srv.Pay(h.g.result.outTradeNo); err != nil {
		t.Fatal(err)
	}
	h.srv.SetFaults(sandbox.Faults{})
	h.waitFor("the re-check", func() bool { return h.g.result.state == store.StatePaid })
	time.Sleep(200 * time.Millisecond) // ten result delays
	h.drain()
	if h.g.screen != screenResult || h.g.result.state != store.StatePaid {
		t.Fatalf("the paid result went away by itself: %s", h.g.screen)
	}
	tapIn(t, h.g.result.done)
	if h.g.screen != screenAmount {
		t.Fatalf("after a tap: %s", h.g.screen)
	}
}
