// Command fyneminimal is the smallest Fyne app: one window of qfpos's size
// with one label. scripts/gui-measure.sh runs it beside qfpos as the
// baseline for start-up time and memory (what Fyne, GLFW and Mesa cost
// before qfpos adds anything). With QFPOS_DEBUG_MEMSTATS set it prints,
// 2 s after it started, the Go heap after a garbage collection on stderr
// in qfpos's format:
//
//	qfpos-memstats: heap_alloc_mb=… heap_inuse_mb=… sys_mb=…
//
//	go build -tags migrated_fynedo -o bin/fyneminimal ./internal/fyneminimal
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.github.qfpos.fyneminimal")
	w := a.NewWindow("fyneminimal")
	w.SetContent(widget.NewLabel("Hello"))
	w.Resize(fyne.NewSize(1024, 640))
	if os.Getenv("QFPOS_DEBUG_MEMSTATS") != "" {
		a.Lifecycle().SetOnStarted(func() {
			go func() {
				time.Sleep(2 * time.Second)
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				const mb = 1 << 20
				fmt.Fprintf(os.Stderr, "qfpos-memstats: heap_alloc_mb=%.1f heap_inuse_mb=%.1f sys_mb=%.1f\n",
					float64(m.HeapAlloc)/mb, float64(m.HeapInuse)/mb, float64(m.Sys)/mb)
			}()
		})
	}
	w.ShowAndRun()
}
