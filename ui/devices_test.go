package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/escpos"
	"github.com/qfpos/qfpos/escpos/virtual"
	"github.com/qfpos/qfpos/store"
)

// TestReceiptDidNotPrintThenRetry: a printer that never answers does not
// hold up or fail the sale: it is paid, the amount is spoken, the screen
// says the receipt did not print and stays; Retry on a working printer
// prints it.
func TestReceiptDidNotPrintThenRetry(t *testing.T) {
	old := escpos.StatusTimeout
	escpos.StatusTimeout = 200 * time.Millisecond
	defer func() { escpos.StatusTimeout = old }()
	h := newHarness(t, opts{language: "zh-Hant"})
	silent, err := virtual.Start(escpos.CodepageBig5, virtual.Silent)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	h.g.cfg.Printer = silent.Target()
	var mu sync.Mutex
	var spoken []string
	h.g.d.Speak = func(_ context.Context, text, lang string, _ int) error {
		mu.Lock()
		spoken = append(spoken, lang+" "+text)
		mu.Unlock()
		return nil
	}

	h.typeAmount("12.5")
	o := h.chargeAndWaitQR()
	if err := h.srv.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	r := h.g.result
	if paid, _ := h.st.Get(o.OutTradeNo); paid.State != store.StatePaid || r.state != store.StatePaid {
		t.Fatalf("sale %s, screen %s", paid.State, r.state)
	}
	h.waitFor("the spoken amount", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(spoken) == 1 && spoken[0] == "zh-Hant 微信收款十二蚊五毫"
	})
	h.waitFor("did not print", func() bool { return strings.Contains(r.receipt.label.Text, "收據未能列印") })
	if !strings.Contains(r.receipt.label.Text, "did not answer") || r.receipt.button.Hidden || r.receipt.button.Text != "重試" {
		t.Fatalf("receipt row %q, button %q hidden %v", r.receipt.label.Text, r.receipt.button.Text, r.receipt.button.Hidden)
	}

	good, err := virtual.Start(escpos.CodepageBig5, virtual.Normal)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	h.g.cfg.Printer = good.Target()
	tapIn(t, r.receipt.button)
	h.waitFor("printed", func() bool { return r.receipt.label.Text == "收據已列印。" })
	job, err := good.Job(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if txt := virtual.Text(job.Items); !strings.Contains(txt, "HK$12.50") || !strings.Contains(txt, "[QR "+o.OutTradeNo+"]") || !strings.Contains(txt, "收款") {
		t.Errorf("printed:\n%s", txt)
	}
	if h.g.screen != screenResult {
		t.Errorf("screen %s", h.g.screen)
	}
}

// TestRefundAndDayReceipts: with auto-print on, a refund made in History
// prints its refund receipt; the order's detail can print it again, and
// History prints the day report.
func TestRefundAndDayReceipts(t *testing.T) {
	h := newHarness(t, opts{})
	printer, err := virtual.Start(escpos.CodepageBig5, virtual.Normal)
	if err != nil {
		t.Fatal(err)
	}
	defer printer.Close()
	h.g.cfg.Printer, h.g.cfg.PrinterAuto = printer.Target(), true
	h.typeAmount("12.50")
	o := h.chargeAndWaitQR()
	if err := h.srv.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	if _, err := printer.Job(5 * time.Second); err != nil { // the sale's receipt
		t.Fatal(err)
	}
	tapIn(t, h.g.result.done)
	h.g.staffUntil = h.g.d.Now().Add(time.Minute) // PIN entered
	setPINHash(t, h, "2468")
	tapIn(t, h.g.nav.history)
	s := h.g.history
	if !s.printDay.Visible() {
		t.Fatal("no day report button with a printer set up")
	}
	s.openOrder(o.OutTradeNo)
	if s.detail == nil {
		t.Fatal("no order detail")
	}
	tapIn(t, s.detail.refund)
	h.waitFor("the refund form", func() bool { return s.refund != nil })
	s.refund.amount.SetText("2.50")
	tapIn(t, s.refund.ok)
	tapIn(t, s.refund.confirm.yes)
	h.waitFor("the refund", func() bool {
		m := h.g.lastMsg
		return m != nil && m.title == "Refund" && m.text != nil && strings.HasPrefix(m.text.Text, "Refunded HK$2.50")
	})
	job, err := printer.Job(10 * time.Second)
	if err != nil {
		t.Fatalf("no refund receipt: %v", err)
	}
	if txt := virtual.Text(job.Items); !strings.Contains(txt, "HK$2.50") || !strings.Contains(strings.ToUpper(txt), "REFUND") {
		t.Errorf("refund receipt:\n%s", txt)
	}
	s.openOrder(o.OutTradeNo)
	if !s.detail.printRefund.Visible() || s.detail.printRefund.Text != "Print refund receipt" {
		t.Fatalf("refund receipt button %q visible %v", s.detail.printRefund.Text, s.detail.printRefund.Visible())
	}
	tapIn(t, s.detail.printRefund)
	if _, err := printer.Job(10 * time.Second); err != nil {
		t.Fatalf("no reprinted refund receipt: %v", err)
	}
	tapIn(t, s.printDay)
	job, err = printer.Job(10 * time.Second)
	if err != nil {
		t.Fatalf("no day report: %v", err)
	}
	if txt := virtual.Text(job.Items); !strings.Contains(txt, "HK$12.50") {
		t.Errorf("day report:\n%s", txt)
	}
}
