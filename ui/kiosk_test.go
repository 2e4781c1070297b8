package ui

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/store"
)

// visibleTexts is every text drawn in the window: its content, its
// dialogs, and its title.
func visibleTexts(w fyne.Window) []string {
	out := []string{w.Title()}
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *canvas.Text:
			if strings.TrimSpace(x.Text) != "" {
				out = append(out, x.Text)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	return out
}

// cashierWords are what a kiosk customer must never read: the app's name
// and the words a cashier uses.
var cashierWords = []string{"qfpos", "Charge", "customer", "Item", "收款", "顧客", "顾客", "商品"}

// A kiosk speaks to customers, in each language: no "qfpos", no
// cashier's words, on the amount screen, the QR, the cancel question and
// every result.
func TestKioskSpeaksToCustomers(t *testing.T) {
	for _, tt := range []struct {
		lang, title, pay, paid, unknown string
	}{
		{"en", "Enter amount", "Pay HK$15.00", "Done — thank you", "Please wait, confirming your payment"},
		{"zh-Hant", "輸入金額", "付款 HK$15.00", "完成 — 多謝", "請稍候，正在確認您的付款"},
		{"zh-Hans", "输入金额", "付款 HK$15.00", "完成 — 谢谢", "请稍候，正在确认您的付款"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			h := newHarness(t, opts{kiosk: true, language: tt.lang, now: goldenNow})
			check := func(screen string) {
				t.Helper()
				h.drain()
				texts := visibleTexts(h.w)
				all := strings.Join(texts, "\n")
				for _, w := range cashierWords {
					if strings.Contains(all, w) {
						t.Errorf("%s: the customer reads %q in:\n%s", screen, w, all)
					}
				}
			}
			check("amount")
			h.typeAmount("15")
			if got := h.g.amount.charge.Text; got != tt.pay {
				t.Errorf("Pay button %q, want %q", got, tt.pay)
			}
			if !strings.Contains(strings.Join(visibleTexts(h.w), "\n"), tt.title) {
				t.Errorf("amount screen does not say %q", tt.title)
			}
			check("amount typed")
			showGoldenQR(h)
			check("QR")
			h.g.qr.apply(goldenQREvent(store.StateUnknown), false)
			if got := h.g.qr.status.Text; got != tt.unknown {
				t.Errorf("unknown on the QR screen: %q, want %q", got, tt.unknown)
			}
			check("QR unknown")
			h.g.qr.askCancel()
			check("cancel question")
			h.g.closeDialogs()
			for _, st := range []store.State{store.StatePaid, store.StateFailed, store.StateExpired, store.StateCancelled, store.StateUnknown} {
				h.g.showResult(goldenOrder(st), st)
				check("result " + string(st))
				switch st {
				case store.StatePaid:
					if h.g.result.title.Text != tt.paid {
						t.Errorf("paid: %q, want %q", h.g.result.title.Text, tt.paid)
					}
				case store.StateUnknown:
					if h.g.result.title.Text != tt.unknown {
						t.Errorf("unknown: %q, want %q", h.g.result.title.Text, tt.unknown)
					}
				}
			}
		})
	}
}

// The counter's customer display uses the customer's words too.
func TestCustomerDisplayWording(t *testing.T) {
	h := newHarness(t, opts{now: goldenNow})
	h.g.setCustomerDisplay(true)
	h.g.showResult(goldenOrder(store.StatePaid), store.StatePaid)
	if got := h.g.customer.result.title.Text; got != "Done — thank you" {
		t.Errorf("customer display: %q", got)
	}
	if got := h.g.result.title.Text; got != "Paid" {
		t.Errorf("cashier: %q", got)
	}
	h.g.showResult(goldenOrder(store.StateUnknown), store.StateUnknown)
	if got := h.g.customer.result.title.Text; got != "Please wait, confirming your payment" {
		t.Errorf("customer display, unknown: %q", got)
	}
	if strings.Contains(h.g.customer.win.Title(), "qfpos") {
		t.Errorf("customer display title %q", h.g.customer.win.Title())
	}
}

// The language toggle switches the kiosk at once, keeping the amount;
// the idle reset goes back to the configured language.
func TestKioskLanguageToggle(t *testing.T) {
	h := newHarness(t, opts{kiosk: true, now: goldenNow})
	h.typeAmount("15")
	tapIn(t, h.g.nav.langs["zh-Hant"])
	if h.g.tr.lang != "zh-Hant" || h.g.amount.charge.Text != "付款 HK$15.00" {
		t.Fatalf("after 繁體中文: %s %q", h.g.tr.lang, h.g.amount.charge.Text)
	}
	if h.g.nav.langs["zh-Hant"].Importance != widget.HighImportance {
		t.Error("the language shown is not highlighted")
	}
	tapIn(t, h.g.nav.langs["zh-Hans"])
	if h.g.tr.lang != "zh-Hans" || h.g.amount.charge.Text != "付款 HK$15.00" {
		t.Fatalf("after 简体中文: %s %q", h.g.tr.lang, h.g.amount.charge.Text)
	}
	h.clock.Set(goldenNow.Add(10 * time.Minute))
	h.g.checkIdle()
	if h.g.tr.lang != "en" || h.g.amount.charge.Text != "Pay" || h.g.amount.input != "" {
		t.Errorf("after the idle reset: %s %q %q", h.g.tr.lang, h.g.amount.charge.Text, h.g.amount.input)
	}
}

// A decline says why in plain words, keeps the code small below, and
// offers to charge the same amount and item again, as a new order.
func TestDeclinedChargeAgain(t *testing.T) {
	h := newHarness(t, opts{})
	h.typeAmount("7.8")
	h.g.amount.item.SetText("Milk tea")
	o := h.chargeAndWaitQR()
	if err := h.srv.Decline(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	r := h.g.result
	if !strings.HasPrefix(r.detail.Text, "The customer declined") || strings.Contains(r.detail.Text, "1205") {
		t.Errorf("reason %q, want plain words", r.detail.Text)
	}
	if r.code.Text != "(QFPay code 1205)" {
		t.Errorf("code %q", r.code.Text)
	}
	if r.again.Text != "Charge HK$7.80 again" {
		t.Errorf("again %q", r.again.Text)
	}
	tapIn(t, r.again)
	if h.g.screen != screenQR {
		t.Fatalf("screen %s after charge again", h.g.screen)
	}
	h.waitFor("the new QR", func() bool { return h.g.sale != nil && h.g.qr.qr.content != "" })
	n, err := h.st.Get(h.g.sale.OutTradeNo())
	if err != nil {
		t.Fatal(err)
	}
	if n.OutTradeNo == o.OutTradeNo || n.Amount != 780 || n.GoodsName != "Milk tea" {
		t.Errorf("again: %s %d %q, want a new order of 780 for Milk tea (was %s)", n.OutTradeNo, n.Amount, n.GoodsName, o.OutTradeNo)
	}
}

// An expiry says so plainly and offers the amount again; paid and
// cancelled do not.
func TestResultReasons(t *testing.T) {
	h := newHarness(t, opts{now: goldenNow})
	h.g.showResult(goldenOrder(store.StateExpired), store.StateExpired)
	if r := h.g.result; !strings.HasPrefix(r.detail.Text, "The QR expired before it was paid") || !r.again.Visible() || r.again.Text != "Charge HK$12.50 again" {
		t.Errorf("expired: %q, again %v %q", r.detail.Text, r.again.Visible(), r.again.Text)
	}
	for _, st := range []store.State{store.StatePaid, store.StateCancelled, store.StateUnknown} {
		h.g.showResult(goldenOrder(st), st)
		if h.g.result.again.Visible() {
			t.Errorf("%s offers to charge again", st)
		}
	}
	for code, want := range map[string]string{
		"1205": "reason.declined", "1201": "reason.balance", "2004": "reason.balance", "1204": "reason.bank",
		"1294": "reason.bank", "1142": "reason.closed", "1108": "reason.setup", "1250": "reason.setup",
		"1181": "reason.expired", "9999": "reason.other", "": "reason.other",
	} {
		if got := reasonKey(code); got != want {
			t.Errorf("reasonKey(%q) = %s, want %s", code, got, want)
		}
	}
}

// The countdown turns red in its last 30 s.
func TestCountdownTurnsRed(t *testing.T) {
	h := newHarness(t, opts{now: goldenNow})
	showGoldenQR(h) // expires 4m30s after goldenNow
	if h.g.qr.left.Importance == widget.DangerImportance {
		t.Fatal("red with 4:30 left")
	}
	h.g.qr.tick(goldenNow.Add(4*time.Minute + 5*time.Second))
	if h.g.qr.left.Importance != widget.DangerImportance {
		t.Errorf("not red with %s left", h.g.qr.left.Text)
	}
}

// Quit in the kiosk's staff menu asks first.
func TestKioskQuitConfirms(t *testing.T) {
	h := newHarness(t, opts{kiosk: true, now: goldenNow})
	setPINHash(t, h, "2468")
	tapIn(t, h.g.nav.staff)
	h.pinType("2468")
	h.waitFor("the staff menu", func() bool { return h.g.pin == nil && h.g.lastMsg != nil && h.g.lastMsg.title == "Staff" })
	var quit *widget.Button
	for _, o := range visibleButtons(h.w) {
		if o.Text == "Quit qfpos" {
			quit = o
		}
	}
	if quit == nil {
		t.Fatal("no Quit in the staff menu")
	}
	tapIn(t, quit)
	h.drain()
	if h.quits.Load() != 0 {
		t.Fatal("quit without confirmation")
	}
	if h.g.lastMsg == nil || h.g.lastMsg.yes == nil {
		t.Fatal("no confirmation")
	}
	tapIn(t, h.g.lastMsg.yes)
	h.waitFor("the quit", func() bool { return h.quits.Load() == 1 })
}

// visibleButtons are the buttons shown in the window and its dialogs.
func visibleButtons(w fyne.Window) []*widget.Button {
	var out []*widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Button:
			out = append(out, x)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	return out
}

// goldenQREvent is an event of the golden sale in state st.
func goldenQREvent(st store.State) checkout.Event {
	return checkout.Event{OutTradeNo: goldenNo, State: st, QRCode: "http://127.0.0.1:8765/sandbox/pay/" + goldenNo,
		ExpiresAt: goldenNow.Add(4*time.Minute + 30*time.Second)}
}

// The QR takes the whole square it is given, quiet zone included, not
// the largest multiple of its module count (≈ 340 of 391 px at 800×480).
func TestQRFillsItsSquare(t *testing.T) {
	test.NewTempApp(t)
	q := newQRCode()
	if err := q.SetContent("http://127.0.0.1:8765/sandbox/pay/" + goldenNo); err != nil {
		t.Fatal(err)
	}
	q.dark, q.light = color.Black, color.White
	for _, side := range []int{391, 340, 257} {
		img := q.draw(side, side+40).(*image.Paletted)
		top, bottom := -1, -1
		for y := 0; y < side+40; y++ {
			if img.Pix[y*img.Stride+side/2] != 0 {
				if top < 0 {
					top = y
				}
				bottom = y
			}
		}
		if got := bottom - top + 1; got != side {
			t.Errorf("in %d px the code takes %d px", side, got)
		}
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Bounds(), image.White, image.Point{}, draw.Src)
		draw.Draw(rgba, rgba.Bounds(), img, image.Point{}, draw.Over)
		if got := decodeQR(t, rgba); got != q.content {
			t.Errorf("decoded %q", got)
		}
	}
}

// Chinese dates name the weekday in Chinese; bold Chinese text uses the
// bundled font's Bold face.
func TestChineseWeekdayAndBold(t *testing.T) {
	h := newHarness(t, opts{language: "zh-Hant", now: goldenNow}) // a Friday
	h.g.show(screenHistory)
	h.drain()
	if got := h.g.history.dayLabel.Text; got != "2026-11-20 星期五" {
		t.Errorf("day %q, want 2026-11-20 星期五", got)
	}
	if f := newTheme().Font(fyne.TextStyle{Bold: true}); f != cjkBold {
		t.Errorf("bold text uses %s, want the bundled CJK Bold", f.Name())
	}
}
