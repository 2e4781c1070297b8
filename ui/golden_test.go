package ui

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/store"
)

// Markup goldens of every screen, with fixed data so they do not change
// from run to run. After a deliberate change, copy testdata/failed/*.xml
// over testdata/*.xml and review the diff.

var goldenNow = time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC)

const goldenNo = "QF20261120143000ABCDEFGHJKLMNPQRST"

func goldenOrder(st store.State) *store.Order {
	o := &store.Order{OutTradeNo: goldenNo, Amount: 1250, Currency: "HKD", State: st}
	switch st {
	case store.StatePaid:
		o.SysSN = "20261120000100020042"
	case store.StateFailed:
		o.RespCd = "1205"
	}
	return o
}

// showGoldenQR puts the QR screen up for a fixed sale.
func showGoldenQR(h *harness) {
	h.g.qr.start("HK$12.50", 5*time.Minute)
	h.g.qr.apply(checkout.Event{
		OutTradeNo: goldenNo,
		State:      store.StateAwaiting,
		QRCode:     "http://127.0.0.1:8765/sandbox/pay/" + goldenNo,
		ExpiresAt:  goldenNow.Add(4*time.Minute + 30*time.Second),
	}, false)
	h.g.show(screenQR)
}

func TestGoldens(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    opts
		show func(h *harness)
	}{
		{"amount.xml", opts{}, func(h *harness) { h.typeAmount("12.5") }},
		{"amount_jpy.xml", opts{currency: "JPY"}, func(h *harness) { h.typeAmount("500") }},
		{"amount_kiosk.xml", opts{kiosk: true}, func(h *harness) {}},
		{"amount_portrait.xml", opts{size: fyne.NewSize(480, 800)}, func(h *harness) { h.typeAmount("88") }},
		{"qr.xml", opts{}, showGoldenQR},
		{"qr_zh_hant.xml", opts{language: "zh-Hant"}, showGoldenQR},
		{"qr_cancel_confirm.xml", opts{}, func(h *harness) { showGoldenQR(h); h.g.qr.askCancel() }},
		{"result_paid.xml", opts{}, func(h *harness) { h.g.showResult(goldenOrder(store.StatePaid), store.StatePaid) }},
		{"result_failed.xml", opts{}, func(h *harness) { h.g.showResult(goldenOrder(store.StateFailed), store.StateFailed) }},
		{"result_expired.xml", opts{}, func(h *harness) { h.g.showResult(goldenOrder(store.StateExpired), store.StateExpired) }},
		{"result_cancelled.xml", opts{}, func(h *harness) { h.g.showResult(goldenOrder(store.StateCancelled), store.StateCancelled) }},
		{"result_unknown.xml", opts{}, func(h *harness) { h.g.showResult(goldenOrder(store.StateUnknown), store.StateUnknown) }},
		{"history.xml", opts{}, func(h *harness) {
			seed(t, h.st, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), 12)
			h.g.show(screenHistory)
		}},
		{"settings.xml", opts{}, func(h *harness) {
			writeFile(t, h.cfg.Path, "merchant_name = \"Tea House\"\n")
			h.g.show(screenSettings)
		}},
		{"pin.xml", opts{}, func(h *harness) { h.g.requirePIN(func() {}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.now = goldenNow
			h := newHarness(t, o)
			tt.show(h)
			h.drain()
			test.AssertRendersToMarkup(t, tt.name, h.w.Canvas())
			if dir := os.Getenv("QFPOS_SHOTS"); dir != "" {
				saveShot(t, filepath.Join(dir, strings.TrimSuffix(tt.name, ".xml")+".png"), h.w.Canvas().Capture())
			}
		})
	}
}

// saveShot writes a capture as PNG (QFPOS_SHOTS=dir go test -run Goldens).
func saveShot(t *testing.T, path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
