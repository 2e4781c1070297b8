package ui

import (
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// hangClose makes the sandbox hold every close for d (a hung QFPay).
func (h *harness) hangClose(d time.Duration) {
	h.srv.SetFaults(sandbox.Faults{Close: []sandbox.Fault{{Kind: sandbox.FaultLatency, Delay: d, Times: 10}}})
}

// A sale whose close QFPay does not confirm within shutdown's budget is
// recorded unknown before shutdown returns, never left awaiting.
func TestShutdownPastBudgetRecordsUnknown(t *testing.T) {
	h := newHarness(t, opts{})
	h.typeAmount("5")
	o := h.chargeAndWaitQR()
	h.hangClose(2 * time.Second)
	h.inline.Store(true)
	start := time.Now()
	h.g.shutdown(100 * time.Millisecond)
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("shutdown took %v with a 100 ms budget", took)
	}
	if got, _ := h.st.Get(o.OutTradeNo); got.State != store.StateUnknown {
		t.Fatalf("order after shutdown = %s, want unknown", got.State)
	}
}

// The watchdog ends the process when shutdown outlasts budget and grace,
// after recording the open sale unknown; disarmed in time, it does nothing.
func TestWatchdog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		disarm bool
	}{{"shutdown hangs", false}, {"shutdown ends in time", true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			sales := &saleTracker{Engine: h.eng}
			h.g.eng = sales
			h.typeAmount("7")
			o := h.chargeAndWaitQR()
			h.hangClose(2 * time.Second)
			exited := make(chan store.State, 1)
			wd := newWatchdog(sales, nil, 100*time.Millisecond, 50*time.Millisecond, func(code int) {
				if code == 0 {
					t.Errorf("exit code 0")
				}
				got, _ := h.st.Get(o.OutTradeNo)
				exited <- got.State
			})
			armed := wd.arm()
			if again := wd.arm(); !again.Equal(armed) {
				t.Errorf("arm twice: %v then %v", armed, again)
			}
			if tc.disarm {
				wd.disarm()
			}
			select {
			case st := <-exited:
				if tc.disarm {
					t.Fatal("the disarmed watchdog ended the process")
				}
				if took := time.Since(armed); took < 150*time.Millisecond {
					t.Errorf("ended after %v, before budget and grace", took)
				}
				if st != store.StateUnknown {
					t.Fatalf("order when the process ends = %s, want unknown", st)
				}
			case <-time.After(time.Second):
				if !tc.disarm {
					t.Fatal("the watchdog never ended the process")
				}
			}
			h.g.sale.Cancel()
		})
	}
}

// Fyne's stopped hooks are taken off the lifecycle, so quitting queues no
// lifecycle event, and handed back to be run after the loop.
func TestDetachStopHook(t *testing.T) {
	a := test.NewTempApp(t)
	var ran atomic.Int32
	a.Lifecycle().SetOnStopped(func() { ran.Add(1) })
	f := detachStopHook(a.Lifecycle())
	if f == nil {
		t.Fatal("no hook returned")
	}
	if h := a.Lifecycle().(stopHooks).OnStopped(); h != nil {
		t.Fatal("a stopped hook is still on the lifecycle")
	}
	f()
	if ran.Load() != 1 {
		t.Fatalf("hook ran %d times", ran.Load())
	}
}

// Once the app is asked to quit, do hands nothing more to Fyne.
func TestQuitStopsDo(t *testing.T) {
	h := newHarness(t, opts{})
	qa := &quitApp{App: h.g.app}
	qa.before = func() { h.g.quitting.Store(true) }
	qa.Quit()
	h.g.do(func() { t.Error("do ran f after the quit") })
	h.drain()
	if h.quits.Load() != 1 {
		t.Fatalf("Quit reached the app %d times", h.quits.Load())
	}
}
