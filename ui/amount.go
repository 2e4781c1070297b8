package ui

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/money"
)

// Keypad keys that are not digits.
const (
	keyDot   = "."
	keyBack  = "back"
	keyClear = "clear"
)

// maxGoodsName is QFPay's limit on goods_name, in characters.
const maxGoodsName = 64

// maxWholeDigits bounds what can be typed before the decimal point: one
// more than the largest txamt has, so "too large" can still be shown.
const maxWholeDigits = 12

// amountScreen is where a sale starts: the amount on a big keypad (or the
// keyboard), an optional item name, and Charge.
type amountScreen struct {
	g       *gui
	input   string // what was typed: digits and at most one '.'
	display *widget.Label
	hint    *widget.Label
	item    *widget.Entry
	keys    map[string]*widget.Button
	charge  *widget.Button
	content fyne.CanvasObject

	starting   bool          // Charge was tapped; the engine is saving the order
	chargedAt  time.Time     // when Charge was last tapped (QFPOS_DEBUG_MEMSTATS)
	chargeTook time.Duration // how long that Charge held the UI goroutine
	startTook  time.Duration // how long the engine took to save the order
}

func newAmountScreen(g *gui) *amountScreen {
	s := &amountScreen{g: g}
	s.display = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true, Monospace: false})
	s.display.SizeName = sizeAmount
	s.display.Truncation = fyne.TextTruncateEllipsis
	s.hint = widget.NewLabel("")
	s.hint.Wrapping = fyne.TextWrapWord
	s.item = widget.NewEntry()
	s.item.SetPlaceHolder(g.tr.T("amount.item"))
	s.item.OnChanged = func(text string) {
		g.touch()
		if utf8.RuneCountInString(text) > maxGoodsName {
			s.item.SetText(string([]rune(text)[:maxGoodsName]))
		}
		loadFallback(text, nil) // a Chinese name: the system font, off the UI goroutine
	}
	s.item.OnSubmitted = func(string) { g.charge() }

	dot := keyDot
	if g.cur.Exponent == 0 {
		dot = "" // no point to type: a gap
	}
	var pad fyne.CanvasObject
	s.keys, pad = g.keypad(s.press, "7", "8", "9", "4", "5", "6", "1", "2", "3", dot, "0", keyBack)
	clear := g.key(keyClear, s.press)
	clear.SetIcon(theme.ContentClearIcon())
	s.keys[keyClear] = clear
	s.charge = widget.NewButton(g.words(false, "amount.charge"), g.charge)
	s.charge.Importance = widget.HighImportance
	charge := container.NewThemeOverride(s.charge, keyTheme{newTheme()})

	label := widget.NewLabel(g.words(false, "amount.title"))
	label.TextStyle.Bold = true
	if g.cfg.Kiosk {
		s.item.Hide() // a customer has no item to name
	}
	left := container.NewBorder(
		secondary(container.NewVBox(
			container.NewBorder(nil, nil, label, clear),
			s.display,
			s.item,
			s.hint,
		)),
		charge, nil, nil,
	)
	s.content = container.New(adaptiveLayout{share: 0.5}, left, pad)
	s.refresh()
	return s
}

// press is one key of the keypad or the keyboard.
func (s *amountScreen) press(k string) {
	in := s.input
	whole, frac, dot := strings.Cut(in, ".")
	switch k {
	case keyBack, keyClear:
		in = typeKey(in, k)
	case keyDot:
		if s.g.cur.Exponent == 0 || dot {
			return
		}
		if in == "" {
			in = "0"
		}
		in += "."
	default:
		if len(k) != 1 || k[0] < '0' || k[0] > '9' {
			return
		}
		switch {
		case dot && len(frac) >= s.g.cur.Exponent:
			return
		case !dot && whole == "0":
			in = k
		case !dot && len(whole) >= maxWholeDigits:
			return
		default:
			in = typeKey(in, k)
		}
	}
	s.input = in
	s.refresh()
}

// keypad makes the keys (digits, keyDot, keyBack, keyClear; "" is a gap)
// in a grid of three columns with keypad-sized text. A key records
// activity, then runs press.
func (g *gui) keypad(press func(k string), keys ...string) (map[string]*widget.Button, fyne.CanvasObject) {
	buttons := map[string]*widget.Button{}
	var cells []fyne.CanvasObject
	for _, k := range keys {
		if k == "" {
			cells = append(cells, layout.NewSpacer())
			continue
		}
		buttons[k] = g.key(k, press)
		cells = append(cells, buttons[k])
	}
	return buttons, container.NewThemeOverride(container.NewGridWithColumns(3, cells...), keyTheme{newTheme()})
}

// key is one keypad key: its digit, the point, backspace (an icon) or
// Clear.
func (g *gui) key(k string, press func(k string)) *widget.Button {
	b := widget.NewButton(k, func() { g.touch(); press(k) })
	switch k {
	case keyDot:
		b.SetText(g.tr.T("amount.point"))
	case keyBack:
		b.SetText("")
		b.SetIcon(backspaceIcon)
	case keyClear:
		b.SetText(g.tr.T("amount.clear"))
	}
	return b
}

// typeKey is what was typed, in, after the key k: backspace drops the
// last character, Clear everything, and any other key is appended.
func typeKey(in, k string) string {
	switch k {
	case keyBack:
		if in != "" {
			return in[:len(in)-1]
		}
		return in
	case keyClear:
		return ""
	}
	return in + k
}

// amount is what was typed as the amount money.Parse reads, the same
// strict parser the CLI and the local API use: the keypad only types
// digits and one point (a point first types "0."), and a point typed last
// with no decimals after it yet ("12.") stands for the whole amount, "12",
// as the Charge button then says ("Charge HK$12.00").
func (s *amountScreen) amount() string {
	return strings.TrimSuffix(s.input, keyDot)
}

// reset clears the amount and the item name.
func (s *amountScreen) reset() {
	s.input = ""
	s.item.SetText("")
	s.refresh()
}

// refresh shows the amount as typed, in the currency's format, and
// enables Charge only for an amount the engine takes.
func (s *amountScreen) refresh() {
	g := s.g
	s.display.SetText(displayAmount(g.cur, s.input))
	if s.input == "" {
		s.display.Importance = widget.LowImportance
	} else {
		s.display.Importance = widget.MediumImportance
	}
	s.display.Refresh()
	if g.customer != nil { // the customer sees it as it is typed
		shown := s.display.Text
		if s.input == "" {
			shown = ""
		}
		g.customer.setAmount(shown)
	}
	v, err := g.eng.ParseAmount(s.amount())
	hint, imp := "", widget.MediumImportance
	switch {
	case s.input == "":
		hint, imp = g.words(false, "amount.enter"), widget.LowImportance
	case errors.Is(err, money.ErrTooLarge):
		hint, imp = g.tr.T("amount.too_large", g.cur.Format(g.eng.Settings().MaxTxamt)), widget.DangerImportance
	case errors.Is(err, money.ErrNotPositive):
		hint, imp = g.tr.T("amount.zero"), widget.DangerImportance
	case err != nil:
		hint, imp = g.tr.T("amount.invalid"), widget.DangerImportance
	case g.cfg.Live() && v < smallAmount(g.cur):
		hint, imp = g.tr.T("amount.small", g.cur.Format(smallAmount(g.cur))), widget.WarningImportance
	}
	s.hint.SetText(hint)
	s.hint.Importance = imp
	s.hint.Refresh()
	if err != nil {
		s.charge.SetText(g.words(false, "amount.charge"))
		s.charge.Disable()
		return
	}
	s.charge.SetText(g.words(false, "amount.charge_amount", g.cur.Format(v)))
	s.charge.Enable()
}

// smallAmount is QFPay's advice: more than 200 cents avoids its risk
// control (qfpay-api.md, txamt).
func smallAmount(c money.Currency) int64 {
	if c.Exponent >= 2 {
		return 200
	}
	return 0
}

// displayAmount shows what was typed the way money.Format shows an
// amount, keeping a trailing point or missing decimals as typed:
// "1234.5" → "HK$1,234.5", "" → "HK$0.00".
func displayAmount(c money.Currency, in string) string {
	if in == "" {
		return c.Format(0)
	}
	return c.FormatDecimal(in)
}
