package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Every dialog takes Enter to confirm and Escape to dismiss, with no
// widget focused (today's cancel confirmation wanted Tab then Space).
func TestDialogKeys(t *testing.T) {
	for _, tt := range []struct {
		key     fyne.KeyName
		wantYes bool
	}{
		{fyne.KeyReturn, true},
		{fyne.KeyEnter, true},
		{fyne.KeyEscape, false},
	} {
		h := newHarness(t, opts{})
		yes := false
		h.g.confirm("Sure?", "text", "Yes", "No", func() { yes = true })
		h.key(tt.key)
		if yes != tt.wantYes || len(h.g.open) != 0 {
			t.Errorf("%s in a confirmation: yes %v, %d dialogs open", tt.key, yes, len(h.g.open))
		}
		h.g.message("Note", "text")
		h.key(tt.key)
		if len(h.g.open) != 0 {
			t.Errorf("%s in a message: still open", tt.key)
		}
		h.g.custom("Form", widget.NewLabel("x"))
		h.key(tt.key)
		if len(h.g.open) != 0 {
			t.Errorf("%s in a custom dialog: still open", tt.key)
		}
		// Keys behind an open dialog do not reach the amount screen.
		h.g.message("Note", "text")
		h.typeAmount("7")
		if h.g.amount.input != "" {
			t.Errorf("typed behind a dialog: %q", h.g.amount.input)
		}
	}
}

// Ticking "Customer display" leaves no focus on the box: typed digits go
// to the amount.
func TestCustomerDisplayTickKeepsTyping(t *testing.T) {
	h := newHarness(t, opts{})
	c := h.g.nav.customer
	h.w.Canvas().Focus(c)
	c.SetChecked(true) // as a tap or Space on the focused box does
	if h.g.customer == nil {
		t.Fatal("no customer display")
	}
	if f := h.w.Canvas().Focused(); f != nil {
		t.Fatalf("focus stays on %T", f)
	}
	h.typeAmount("12")
	if h.g.amount.input != "12" {
		t.Fatalf("typed %q after ticking the box", h.g.amount.input)
	}
}

// recCanvas records what is refreshed through the window's canvas.
type recCanvas struct {
	fyne.Canvas
	refreshed map[fyne.CanvasObject]bool
}

func (c *recCanvas) Refresh(o fyne.CanvasObject) {
	c.refreshed[o] = true
	c.Canvas.Refresh(o)
}

type recWindow struct {
	fyne.Window
	c *recCanvas
}

func (w recWindow) Canvas() fyne.Canvas { return w.c }

// drawn reports whether obj is in the window's drawn tree, visible all
// the way down from the content, with no overlay above it.
func drawn(w fyne.Window, obj fyne.CanvasObject) bool {
	if w.Canvas().Overlays().Top() != nil {
		return false
	}
	var walk func(o fyne.CanvasObject) bool
	walk = func(o fyne.CanvasObject) bool {
		if o == nil || !o.Visible() {
			return false
		}
		if o == obj {
			return true
		}
		var kids []fyne.CanvasObject
		switch x := o.(type) {
		case *fyne.Container:
			kids = x.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(x).Objects()
		}
		for _, k := range kids {
			if walk(k) {
				return true
			}
		}
		return false
	}
	return walk(w.Canvas().Content())
}

// The kiosk's idle reset is drawn: the amount screen is what the window
// shows, and the swap was refreshed through the window's own canvas (a
// Container.Refresh finds its canvas in Fyne's expiring cache, and a
// kiosk left on History stayed drawn there).
func TestKioskIdleResetIsDrawn(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	h := newHarness(t, opts{kiosk: true, now: start})
	rc := &recCanvas{Canvas: h.w.Canvas(), refreshed: map[fyne.CanvasObject]bool{}}
	h.g.win = recWindow{h.w, rc}
	h.g.staffUntil = start.Add(time.Hour)
	h.g.show(screenHistory)
	h.g.custom("left open", widget.NewLabel("x"))
	if !drawn(h.w, h.g.history.content) == (h.w.Canvas().Overlays().Top() == nil) {
		t.Fatal("History is not drawn")
	}
	clear(rc.refreshed)
	h.clock.Set(start.Add(5 * time.Minute))
	h.g.checkIdle()
	if h.g.screen != screenAmount {
		t.Fatalf("screen = %s", h.g.screen)
	}
	if !drawn(h.w, h.g.amount.content) || drawn(h.w, h.g.history.content) {
		t.Fatal("the window does not draw the amount screen")
	}
	if !rc.refreshed[h.g.body] {
		t.Error("the screen swap was not refreshed through the window's canvas")
	}
}

// The customer display shows the amount as the cashier types it (not
// "Welcome"), the instruction on one line with no order number, and
// keeps its size from one opening to the next.
func TestCustomerDisplayFollowsTheCashier(t *testing.T) {
	h := newHarness(t, opts{})
	h.g.setCustomerDisplay(true)
	c := h.g.customer
	if !drawn(c.win, c.welcome) || drawn(c.win, c.amount) {
		t.Fatal("no welcome before anything is typed")
	}
	h.typeAmount("15.5")
	if !drawn(c.win, c.amount) || c.amount.Text != "HK$15.5" || drawn(c.win, c.welcome) {
		t.Fatalf("customer sees %q (welcome drawn %v)", c.amount.Text, drawn(c.win, c.welcome))
	}
	h.key(fyne.KeyEscape) // clears
	if !drawn(c.win, c.welcome) {
		t.Fatal("no welcome after Clear")
	}
	h.typeAmount("15")
	h.chargeAndWaitQR()
	if c.qr.scan.Wrapping != fyne.TextWrapOff || drawn(c.win, c.qr.order) {
		t.Errorf("customer QR: scan wrapping %v, order number drawn %v", c.qr.scan.Wrapping, drawn(c.win, c.qr.order))
	}
	if !drawn(h.w, h.g.qr.order) {
		t.Error("the cashier lost the order number")
	}

	c.win.Resize(fyne.NewSize(640, 420))
	h.g.setCustomerDisplay(false)
	h.g.setCustomerDisplay(true)
	if got := h.g.customer.win.Canvas().Size(); got != fyne.NewSize(640, 420) {
		t.Errorf("reopened at %v, want 640×420", got)
	}
}
