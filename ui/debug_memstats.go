package ui

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// debugMemstats, set by QFPOS_DEBUG_MEMSTATS=1, makes qfpos print one
// line on stderr a second after each sale's QR shows (scripts and
// docs/benchmarks.md use it): how long Charge held the UI goroutine, how
// long the engine took to save the order (off it), the time from Charge
// to the QR set on the screen, and the Go heap after a
// garbage collection, in MB.
var debugMemstats = os.Getenv("QFPOS_DEBUG_MEMSTATS") != ""

// reportQRShown prints the line for sale n, charged at charged, whose
// Charge handler took tap and whose order took start to save.
func reportQRShown(n int, charged time.Time, tap, start time.Duration) {
	qr := time.Since(charged)
	go func() {
		time.Sleep(time.Second) // the QR screen drawn
		runtime.GC()
		runtime.GC() // a heap profile is as of the last GC but one
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if p := os.Getenv("QFPOS_DEBUG_HEAPPROFILE"); p != "" {
			if f, err := os.Create(fmt.Sprintf("%s.%d", p, n)); err == nil {
				_ = pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
		const mb = 1 << 20
		fmt.Fprintf(os.Stderr, "qfpos-memstats: sale=%d charge_ui_ms=%.2f start_ms=%.2f charge_to_qr_ms=%.2f heap_alloc_mb=%.1f heap_inuse_mb=%.1f sys_mb=%.1f\n",
			n, float64(tap.Microseconds())/1000, float64(start.Microseconds())/1000, float64(qr.Microseconds())/1000,
			float64(m.HeapAlloc)/mb, float64(m.HeapInuse)/mb, float64(m.Sys)/mb)
	}()
}
