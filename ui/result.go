package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/store"
)

// resultScreen says how a sale ended: paid, failed, expired, cancelled,
// or not known yet. The outcome is a large coloured banner with white
// text (green when paid), readable from a step away; a decline or an
// expiry says why in plain words and offers to charge the amount again.
type resultScreen struct {
	g        *gui
	bannerBg *canvas.Rectangle
	icon     *widget.Icon
	title    *widget.Label
	amount   *widget.Label
	detail   *widget.Label
	code     *widget.Label // QFPay's respcd, small, below the reason
	syssn    *widget.Label
	order    *widget.Label
	again    *widget.Button // charge the same amount again (failed, expired)
	done     *widget.Button
	receipt  *receiptRow // nil on the customer display
	content  fyne.CanvasObject
	customer bool // the customer display's copy: the customer's wording

	outTradeNo string
	state      store.State
	againAmt   int64  // what again charges
	againGoods string // and its goods name
}

// newResultScreen makes the result screen; the customer display's copy
// (customer) has no buttons.
func newResultScreen(g *gui, customer bool) *resultScreen {
	s := &resultScreen{g: g, customer: customer}
	s.bannerBg = canvas.NewRectangle(nil)
	s.bannerBg.CornerRadius = theme.InputRadiusSize()
	s.icon = widget.NewIcon(nil)
	s.title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.title.SizeName = sizeResult
	s.title.Wrapping = fyne.TextWrapWord
	s.amount = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.amount.SizeName = theme.SizeNameHeadingText
	s.detail = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.detail.SizeName = theme.SizeNameSubHeadingText
	s.detail.Wrapping = fyne.TextWrapWord
	s.code = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.code.SizeName = theme.SizeNameCaptionText
	s.code.Importance = widget.LowImportance
	s.syssn = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.syssn.Importance = widget.LowImportance
	s.order = newOrderLabel()
	s.done = widget.NewButtonWithIcon(s.words("result.new"), theme.NavigateNextIcon(), g.newSale)
	s.again = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { g.chargeAgain(s.againAmt, s.againGoods) })
	s.again.Importance = widget.HighImportance
	s.again.Hide()
	icon := container.NewGridWrap(fyne.NewSquareSize(64), s.icon)
	banner := container.NewStack(s.bannerBg, container.NewThemeOverride(
		container.NewPadded(container.NewBorder(nil, nil, container.NewCenter(icon), nil, s.title)),
		onColourTheme{newTheme()}))
	var buttons fyne.CanvasObject = layout.NewSpacer()
	var receiptRow fyne.CanvasObject = layout.NewSpacer()
	if !customer {
		buttons = container.NewThemeOverride(container.NewGridWithRows(1, s.again, s.done), keyTheme{newTheme()})
		s.receipt = newReceiptRow(s)
		receiptRow = s.receipt.content
	}
	// The order number stays outside the scroll, above the buttons: no
	// scroll bar covers it, at 800×480 either.
	s.content = container.NewBorder(banner, container.NewVBox(secondary(s.order), buttons), nil, nil,
		container.NewVScroll(secondary(container.NewVBox(layout.NewSpacer(), s.amount, s.detail, s.code, s.syssn, receiptRow, layout.NewSpacer()))))
	return s
}

// words is the text of key for whoever faces this screen.
func (s *resultScreen) words(key string, args ...any) string {
	return s.g.words(s.customer, key, args...)
}

// show fills the screen for an order in a final (or unknown) state.
func (s *resultScreen) show(o *store.Order, state store.State, amount string) {
	tr := s.g.tr
	s.outTradeNo, s.state = o.OutTradeNo, state
	s.againAmt, s.againGoods = o.Amount, o.GoodsName
	s.amount.SetText(amount)
	s.order.SetText(tr.T("qr.order", o.OutTradeNo))
	s.syssn.SetText("")
	s.code.SetText("")
	var icon fyne.Resource
	ground := theme.ColorNameWarning
	title, detail := "", ""
	again := false
	switch state {
	case store.StatePaid:
		icon, ground = theme.ConfirmIcon(), theme.ColorNameSuccess
		title, detail = s.words("result.paid"), s.words("result.paid_detail")
		if o.SysSN != "" {
			s.syssn.SetText(tr.T("result.syssn", o.SysSN))
		}
	case store.StateFailed:
		icon, ground = theme.ErrorIcon(), theme.ColorNameError
		title, detail = s.words("result.failed"), tr.T("result.reason_detail", s.words(reasonKey(o.RespCd)), s.words("result.failed_detail"))
		if o.RespCd != "" {
			s.code.SetText(tr.T("result.respcd", o.RespCd))
		}
		again = true
	case store.StateExpired:
		icon = theme.HistoryIcon()
		title, detail = s.words("result.expired"), tr.T("result.reason_detail", s.words("reason.expired"), s.words("result.failed_detail"))
		again = true
	case store.StateCancelled:
		icon = theme.CancelIcon()
		title, detail = s.words("result.cancelled"), s.words("result.cancelled_detail")
	default:
		icon = theme.WarningIcon()
		title, detail = s.words("result.unknown"), s.words("result.unknown_detail")
	}
	th := s.g.app.Settings().Theme()
	s.bannerBg.FillColor = th.Color(ground, s.g.app.Settings().ThemeVariant())
	s.bannerBg.Refresh()
	s.icon.SetResource(icon)
	s.title.SetText(title)
	s.detail.SetText(detail)
	if again && o.Amount > 0 {
		s.again.SetText(s.words("result.again", s.g.cur.Format(o.Amount)))
		s.again.Show()
	} else {
		s.again.Hide()
	}
	s.done.SetText(s.words("result.new"))
	s.showReceipt(o, state)
}

// reasonKey is the plain reason for a QFPay respcd that ended a payment
// (qfpay-api.md §7), as a translation key.
func reasonKey(respcd string) string {
	switch respcd {
	case "1205", "2007":
		return "reason.declined"
	case "1201", "2004":
		return "reason.balance"
	case "1203", "1144", "1147":
		return "reason.account"
	case "1204", "1294":
		return "reason.bank"
	case "1202", "1212", "2005", "2006":
		return "reason.code"
	case "1142":
		return "reason.closed"
	case "1181":
		return "reason.expired"
	case "1105", "1106", "1107", "1108", "1241", "1242", "1243", "1250", "1251":
		return "reason.setup"
	}
	return "reason.other"
}
