// Command fyneshutdown reproduces a shutdown hang of Fyne 2.8.0's GLFW
// driver (docs/upstream-fyne-shutdown.md): a window with one label, a
// goroutine updating it through fyne.Do as any app with a clock or a
// progress bar does, and app.Quit after -after. ShowAndRun should return
// at once; when it has not returned -hang later, the goroutines are
// printed and the command exits 3. -workaround takes Fyne's stopped hook
// off the lifecycle and runs it after the loop, as qfpos does.
//
//	go build -tags migrated_fynedo -o bin/fyneshutdown ./internal/fyneshutdown
//	for i in $(seq 200); do xvfb-run -a bin/fyneshutdown || break; done
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	after := flag.Duration("after", 300*time.Millisecond, "quit this long after the window shows")
	hang := flag.Duration("hang", 10*time.Second, "report a hang when ShowAndRun has not returned this long after Quit")
	workaround := flag.Bool("workaround", false, "run the stopped hook after the loop instead of through the lifecycle queue")
	flag.Parse()

	a := app.NewWithID("io.github.qfpos.fyneshutdown")
	w := a.NewWindow("fyneshutdown")
	label := widget.NewLabel("0")
	w.SetContent(label)
	var stopped func()
	if *workaround {
		l := a.Lifecycle().(interface {
			OnStopped() func()
			SetOnStopped(func())
			SetOnStoppedHookExecuted(func())
		})
		stopped = l.OnStopped()
		l.SetOnStopped(nil)
		l.SetOnStoppedHookExecuted(nil)
	}
	quit := make(chan time.Time, 1)
	a.Lifecycle().SetOnStarted(func() {
		go func() {
			for i := 0; ; i++ {
				fyne.Do(func() { label.SetText(fmt.Sprint(i)) })
				time.Sleep(time.Millisecond)
			}
		}()
		go func() {
			time.Sleep(*after)
			quit <- time.Now()
			fyne.Do(a.Quit)
		}()
	})
	go func() {
		t := <-quit
		time.Sleep(*hang)
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		fmt.Fprintf(os.Stderr, "HANG: ShowAndRun has not returned %v after Quit\n%s", time.Since(t).Round(time.Millisecond), buf[:n])
		os.Exit(3)
	}()
	w.ShowAndRun()
	if stopped != nil {
		stopped()
	}
}
