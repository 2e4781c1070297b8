package ui

import (
	"bytes"
	"log"
	"os"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/store"
)

// BenchmarkChargeToQR is the time from pressing Charge to the QR on the
// screen, against the in-process sandbox on loopback (no real network):
// the order saved and fsynced, the payment created at the sandbox, the
// event delivered to the UI goroutine, the QR encoded and set on its
// widget. With -capture… variants below the drawing is timed too.
func BenchmarkChargeToQR(b *testing.B) { benchChargeToQR(b, false) }

// BenchmarkChargeToQRDrawn adds a full render of the window (Fyne's
// software painter, 800×480) after the QR is set: an upper bound of
// "drawn", the GL driver draws faster.
func BenchmarkChargeToQRDrawn(b *testing.B) { benchChargeToQR(b, true) }

func benchChargeToQR(b *testing.B, capture bool) {
	h := newHarness(b, opts{})
	for b.Loop() {
		b.StopTimer()
		h.typeAmount("12.50")
		b.StartTimer()
		test.Tap(h.g.amount.charge)
		h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" })
		if capture {
			h.w.Canvas().Capture()
		}
		b.StopTimer()
		s := h.g.sale
		s.Cancel()
		h.waitFor("the result", func() bool { return h.g.screen == screenResult })
		if h.g.result.state != store.StateCancelled {
			b.Fatalf("state %s", h.g.result.state)
		}
		h.g.newSale()
		b.StartTimer()
	}
}

// newBenchQR is a QR widget in a test app with qfpos's theme, which
// defines the QR's colours: under Fyne's test theme each Refresh logs two
// "color not defined" errors, and a benchmark would time the logging.
func newBenchQR(tb testing.TB) *qrCode {
	test.NewTempApp(tb).Settings().SetTheme(newTheme())
	return newQRCode()
}

// BenchmarkQRRaster is drawing one sandbox QR code as pixels at the size
// it has on a 1024×640 window.
func BenchmarkQRRaster(b *testing.B) {
	q := newBenchQR(b)
	if err := q.SetContent("http://127.0.0.1:8765/sandbox/pay/QF20261120143000ABCDEFGHJKLMNPQRST"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		q.draw(520, 520)
	}
}

// BenchmarkQREncode is encoding the QR (go-qrcode, medium correction).
func BenchmarkQREncode(b *testing.B) {
	q := newBenchQR(b)
	for i := 0; b.Loop(); i++ {
		q.content = ""
		if err := q.SetContent("http://127.0.0.1:8765/sandbox/pay/QF20261120143000ABCDEFGHJKLMNPQRS" + string(rune('A'+i%26))); err != nil {
			b.Fatal(err)
		}
	}
}

// The QR benchmarks time encoding and drawing, not Fyne logging errors.
func TestQRBenchmarksLogNothing(t *testing.T) {
	var buf bytes.Buffer
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	q := newBenchQR(t)
	buf.Reset() // what the test app logs once (a C locale) is not per operation
	for i := range 3 {
		if err := q.SetContent("http://127.0.0.1:8765/sandbox/pay/QF" + string(rune('A'+i))); err != nil {
			t.Fatal(err)
		}
		q.draw(520, 520)
	}
	if buf.Len() != 0 {
		t.Fatalf("logged while encoding and drawing:\n%s", buf.String())
	}
}
