package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// A whole sale by keyboard: amount, Enter, the QR on screen is the
// order's, the customer pays, the paid screen with QFPay's number and
// the chime, then back to a new sale.
func TestSalePaid(t *testing.T) {
	h := newHarness(t, opts{})
	h.typeAmount("12.5")
	h.typeAmount("0")
	if got := h.g.amount.display.Text; got != "HK$12.50" {
		t.Fatalf("display = %q, want HK$12.50", got)
	}
	if got := h.g.amount.charge.Text; got != "Charge HK$12.50" {
		t.Fatalf("charge = %q", got)
	}
	h.key(fyne.KeyReturn)
	if h.g.screen != screenQR {
		t.Fatalf("Enter did not charge: screen %s", h.g.screen)
	}
	if h.g.qr.amount.Text != "HK$12.50" || h.g.qr.merchant.Text != "Tea House" {
		t.Fatalf("QR screen shows %q for %q", h.g.qr.amount.Text, h.g.qr.merchant.Text)
	}
	if !h.g.nav.history.Disabled() {
		t.Error("History can be opened during a sale")
	}
	h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" })
	o, err := h.st.Get(h.g.sale.OutTradeNo())
	if err != nil {
		t.Fatal(err)
	}
	if o.QRCode == "" || o.State != store.StateAwaiting || o.Amount != 1250 {
		t.Fatalf("order = %+v", o)
	}
	if got := decodeQR(t, h.w.Canvas().Capture()); got != o.QRCode {
		t.Fatalf("QR on screen = %q, order's qrcode = %q", got, o.QRCode)
	}
	if got := h.g.qr.scan.Text; got != "Scan with WeChat to pay" {
		t.Errorf("scan = %q", got)
	}
	h.waitFor("the countdown", func() bool { return h.g.qr.left.Text != "" })
	if left := h.g.qr.left.Text; left != "5:00" && left != "4:59" && left != "4:58" {
		t.Errorf("countdown = %q, want about 5:00", left)
	}
	if v := h.g.qr.countdown.Value; v < 0.95 || v > 1 {
		t.Errorf("countdown bar = %v", v)
	}

	if err := h.srv.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	r := h.g.result
	if r.title.Text != "Paid" || r.state != store.StatePaid || r.amount.Text != "HK$12.50" {
		t.Fatalf("result = %q %s %q", r.title.Text, r.state, r.amount.Text)
	}
	paid, _ := h.st.Get(o.OutTradeNo)
	if paid.State != store.StatePaid || paid.SysSN == "" || !strings.Contains(r.syssn.Text, paid.SysSN) {
		t.Fatalf("stored %s syssn %q; screen %q", paid.State, paid.SysSN, r.syssn.Text)
	}
	h.waitFor("the chime", func() bool { return h.chimes.Load() == 1 })

	tapIn(t, r.done)
	if h.g.screen != screenAmount || h.g.amount.input != "" || !h.g.amount.charge.Disabled() {
		t.Fatalf("after New sale: screen %s, input %q", h.g.screen, h.g.amount.input)
	}
}

// The result goes back to a new sale by itself after ResultDelay.
func TestResultReturnsToAmount(t *testing.T) {
	h := newHarness(t, opts{})
	h.g.d.ResultDelay = 50 * time.Millisecond
	h.typeAmount("3")
	o := h.chargeAndWaitQR()
	if err := h.srv.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	h.waitFor("the amount screen", func() bool { return h.g.screen == screenAmount })
}

// Cancel asks first; "Keep waiting" keeps the sale, "Cancel payment"
// closes it at QFPay and shows Cancelled.
func TestSaleCancelWithConfirmation(t *testing.T) {
	h := newHarness(t, opts{})
	h.typeAmount("8")
	o := h.chargeAndWaitQR()

	tapIn(t, h.g.qr.cancel)
	c := h.g.qr.confirm
	if c == nil || c.title != "Cancel this payment?" {
		t.Fatal("no confirmation")
	}
	tapIn(t, c.no)
	h.drain()
	if h.g.sale == nil || h.g.screen != screenQR {
		t.Fatal("Keep waiting cancelled the sale")
	}

	h.key(fyne.KeyEscape) // Escape asks too; a second Escape dismisses it
	c = h.g.qr.confirm
	if c == nil || len(h.g.open) != 1 {
		t.Fatalf("Escape: %d dialogs open", len(h.g.open))
	}
	h.key(fyne.KeyEscape)
	if len(h.g.open) != 0 || h.g.sale == nil || h.g.qr.cancel.Disabled() {
		t.Fatalf("Escape in the confirmation: %d dialogs open, sale %v", len(h.g.open), h.g.sale)
	}
	tapIn(t, h.g.qr.cancel)
	if c = h.g.qr.confirm; c == nil {
		t.Fatal("Cancel opened no confirmation")
	}
	h.key(fyne.KeyEnter) // Enter confirms
	if len(h.g.open) != 0 {
		t.Fatalf("Enter in the confirmation: %d dialogs open", len(h.g.open))
	}
	if !h.g.qr.cancel.Disabled() || h.g.qr.status.Text != "Cancelling — checking with QFPay…" {
		t.Errorf("while cancelling: cancel disabled %v, status %q", h.g.qr.cancel.Disabled(), h.g.qr.status.Text)
	}
	h.waitResult()
	if h.g.result.state != store.StateCancelled || h.g.result.title.Text != "Cancelled" {
		t.Fatalf("result = %s %q", h.g.result.state, h.g.result.title.Text)
	}
	got, _ := h.st.Get(o.OutTradeNo)
	if got.State != store.StateCancelled {
		t.Fatalf("stored state %s", got.State)
	}
	if v, _ := h.srv.Order(o.OutTradeNo); v.Cancel != 2 {
		t.Errorf("sandbox order not closed: %+v", v)
	}
	if h.chimes.Load() != 0 {
		t.Error("chime for a cancelled sale")
	}
}

// The customer declines in WeChat: failed.
func TestSaleDeclined(t *testing.T) {
	h := newHarness(t, opts{})
	h.typeAmount("20")
	o := h.chargeAndWaitQR()
	if err := h.srv.Decline(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	if h.g.result.state != store.StateFailed || h.g.result.title.Text != "Payment failed" {
		t.Fatalf("result = %s %q", h.g.result.state, h.g.result.title.Text)
	}
	if !strings.Contains(h.g.result.code.Text, "1205") {
		t.Errorf("code = %q, want the respcd", h.g.result.code.Text)
	}
}

// Nobody pays before the QR expires: expired, and the countdown ran out.
func TestSaleExpires(t *testing.T) {
	h := newHarness(t, opts{expiry: 2 * time.Second})
	h.typeAmount("6")
	h.chargeAndWaitQR()
	h.waitResult()
	if h.g.result.state != store.StateExpired || h.g.result.title.Text != "QR code expired" {
		t.Fatalf("result = %s %q", h.g.result.state, h.g.result.title.Text)
	}
	if h.g.qr.left.Text != "0:00" && h.g.qr.left.Text != "0:01" {
		t.Errorf("countdown at the end = %q", h.g.qr.left.Text)
	}
}

// QFPay's answer to the payment never arrives and QFPay cannot be
// reached: the screen says there is network trouble, then that the
// outcome is unknown and must not be charged again, and stays.
func TestSaleUnknown(t *testing.T) {
	h := newHarness(t, opts{expiry: time.Second})
	h.g.d.ResultDelay = 20 * time.Millisecond
	h.srv.SetFaults(sandbox.Faults{
		Payment: []sandbox.Fault{{Kind: sandbox.FaultDrop}},
		Query:   []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 100000}},
		Close:   []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 100000}},
	})
	h.typeAmount("9")
	test.Tap(h.g.amount.charge)
	sawTrouble := false
	h.waitFor("the result screen", func() bool {
		if h.g.screen == screenQR && (h.g.qr.status.Text == "Network trouble — still checking" || h.g.qr.status.Text == "Checking with QFPay — do not charge again") {
			sawTrouble = true
		}
		return h.g.screen == screenResult
	})
	if !sawTrouble {
		t.Error("the QR screen never said it was checking")
	}
	r := h.g.result
	if r.state != store.StateUnknown || r.title.Text != "Do not charge again — checking" {
		t.Fatalf("result = %s %q", r.state, r.title.Text)
	}
	if h.g.qr.qr.content != "" {
		t.Error("a QR was shown for an order QFPay never confirmed")
	}
	time.Sleep(100 * time.Millisecond)
	h.drain()
	if h.g.screen != screenResult {
		t.Fatal("the unknown result went away by itself")
	}
	if len(h.g.unknownWatch) != 1 {
		t.Errorf("unknown orders watched: %v", h.g.unknownWatch)
	}
}

// An unknown outcome that QFPay later confirms paid turns into Paid on
// the screen (the background re-check).
func TestUnknownSettlesToPaid(t *testing.T) {
	h := newHarness(t, opts{expiry: time.Second})
	// QFPay creates the order but the answer is lost, and QFPay cannot be
	// asked for a while: the sale ends unknown.
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
	no := h.g.result.outTradeNo
	// The customer had paid after all; QFPay answers again.
	if err := h.srv.Pay(no); err != nil {
		t.Fatal(err)
	}
	h.srv.SetFaults(sandbox.Faults{})
	h.waitFor("the re-check", func() bool { return h.g.result.state == store.StatePaid })
	if h.g.result.title.Text != "Paid" {
		t.Fatalf("title = %q", h.g.result.title.Text)
	}
	h.waitFor("the chime", func() bool { return h.chimes.Load() == 1 })
}

// With WeChat JSAPI switched on, the customer's QR is our page of the
// order, not QFPay's qrcode; the sale is otherwise the same.
func TestSaleShowsTheJSAPIPage(t *testing.T) {
	page := func(no string) string { return "https://pay.example.com/jsapi/" + no }
	h := newHarness(t, opts{qrFor: page})
	h.typeAmount("8")
	h.key(fyne.KeyReturn)
	h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" })
	no := h.g.sale.OutTradeNo()
	if got := decodeQR(t, h.w.Canvas().Capture()); got != page(no) {
		t.Fatalf("QR on screen = %q, want %q", got, page(no))
	}
	h.srv.Pay(no)
	h.waitResult()
	if h.g.result.state != store.StatePaid || h.g.result.title.Text != "Paid" {
		t.Fatalf("result screen = %s %q", h.g.result.state, h.g.result.title.Text)
	}
	if o, _ := h.st.Get(no); o.State != store.StatePaid {
		t.Fatalf("order = %s", o.State)
	}
}

// Once the UI loop is over, fyne.Do runs f at once on the caller's
// goroutine. Shutdown makes the GUI's do a no-op first, so while it waits
// for the sale to settle, the sale's events and the countdown no longer
// touch the GUI (the race detector would see them too).
func TestShutdownStopsUIWork(t *testing.T) {
	h := newHarness(t, opts{})
	h.typeAmount("5")
	h.chargeAndWaitQR()
	s := h.g.sale
	h.inline.Store(true)
	h.g.shutdown(30 * time.Second)
	select {
	case <-s.Done():
	default:
		t.Fatal("shutdown returned before the sale settled")
	}
	time.Sleep(300 * time.Millisecond) // the sale's last events, countdown ticks
	if h.g.sale != s || h.g.screen != screenQR {
		t.Fatalf("the GUI changed after the loop: sale %p (was %p), screen %s", h.g.sale, s, h.g.screen)
	}
	if o, _ := h.st.Get(s.OutTradeNo()); o.State != store.StateCancelled {
		t.Errorf("order %s", o.State)
	}
}
