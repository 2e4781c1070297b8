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
