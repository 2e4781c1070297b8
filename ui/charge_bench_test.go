package ui

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/store"
)

// BenchmarkChargeTap is how long Charge holds the UI goroutine: from the
// tap to the QR screen showing "creating the payment" (the order is saved
// on another goroutine). It reports the first sale of the GUI and the
// median and max of the later ones. (Fyne's test driver draws nothing:
// the real window's figure is scripts/qr-memory.sh's charge_ui_ms.)
func BenchmarkChargeTap(b *testing.B) {
	h := newHarness(b, opts{})
	var taps []time.Duration
	for b.Loop() {
		b.StopTimer()
		h.typeAmount("12.50")
		b.StartTimer()
		t0 := time.Now()
		test.Tap(h.g.amount.charge)
		taps = append(taps, time.Since(t0))
		b.StopTimer()
		if h.g.screen != screenQR {
			b.Fatalf("screen %s after Charge", h.g.screen)
		}
		h.waitFor("the sale", func() bool { return h.g.sale != nil })
		h.g.sale.Cancel()
		h.waitFor("the result", func() bool { return h.g.screen == screenResult })
		if h.g.result.state != store.StateCancelled {
			b.Fatalf("state %s", h.g.result.state)
		}
		h.g.newSale()
		b.StartTimer()
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(taps[0]), "ms/charge-tap-first")
	if later := slices.Clone(taps[1:]); len(later) > 0 {
		slices.Sort(later)
		b.ReportMetric(ms(later[len(later)/2]), "ms/charge-tap-median")
		b.ReportMetric(ms(later[len(later)-1]), "ms/charge-tap-max")
	}
}
