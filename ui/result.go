package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/store"
)

// resultScreen says how a sale ended: paid, failed, expired, cancelled,
// or not known yet.
type resultScreen struct {
	g       *gui
	icon    *widget.Icon
	title   *widget.Label
	amount  *widget.Label
	detail  *widget.Label
	syssn   *widget.Label
	order   *widget.Label
	done    *widget.Button
	receipt *receiptRow // nil on the customer display
	content fyne.CanvasObject

	outTradeNo string
	state      store.State
}

// newResultScreen makes the result screen; the customer display's copy
// (customer) has no New sale button.
func newResultScreen(g *gui, customer bool) *resultScreen {
	s := &resultScreen{g: g}
	s.icon = widget.NewIcon(nil)
	s.title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.title.SizeName = sizeResult
	s.title.Wrapping = fyne.TextWrapWord
	s.amount = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.amount.SizeName = theme.SizeNameHeadingText
	s.detail = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.detail.Wrapping = fyne.TextWrapWord
	s.syssn = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.order = newOrderLabel()
	s.done = widget.NewButtonWithIcon(g.tr.T("result.new"), theme.NavigateNextIcon(), g.newSale)
	s.done.Importance = widget.HighImportance
	icon := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(96), s.icon))
	var done fyne.CanvasObject = container.NewThemeOverride(s.done, keyTheme{newTheme()})
	var receiptRow fyne.CanvasObject = layout.NewSpacer()
	if customer {
		done = layout.NewSpacer()
	} else {
		s.receipt = newReceiptRow(s)
		receiptRow = s.receipt.content
	}
	s.content = container.NewBorder(nil, done, nil, nil,
		container.NewVScroll(container.NewVBox(layout.NewSpacer(), icon, s.title, s.amount, s.detail, s.syssn, s.order, receiptRow, layout.NewSpacer())))
	return s
}

// show fills the screen for an order in a final (or unknown) state.
func (s *resultScreen) show(o *store.Order, state store.State, amount string) {
	tr := s.g.tr
	s.outTradeNo, s.state = o.OutTradeNo, state
	s.amount.SetText(amount)
	s.order.SetText(tr.T("qr.order", o.OutTradeNo))
	s.syssn.SetText("")
	var icon fyne.Resource
	imp := widget.MediumImportance
	title, detail := "", ""
	switch state {
	case store.StatePaid:
		icon, imp = theme.NewSuccessThemedResource(theme.ConfirmIcon()), widget.SuccessImportance
		title, detail = tr.T("result.paid"), tr.T("result.paid_detail")
		if o.SysSN != "" {
			s.syssn.SetText(tr.T("result.syssn", o.SysSN))
		}
	case store.StateFailed:
		icon, imp = theme.NewErrorThemedResource(theme.ErrorIcon()), widget.DangerImportance
		title, detail = tr.T("result.failed"), tr.T("result.failed_detail")
		if o.RespCd != "" {
			detail += " " + tr.T("result.respcd", o.RespCd)
		}
	case store.StateExpired:
		icon, imp = theme.NewWarningThemedResource(theme.HistoryIcon()), widget.WarningImportance
		title, detail = tr.T("result.expired"), tr.T("result.expired_detail")
	case store.StateCancelled:
		icon, imp = theme.NewWarningThemedResource(theme.CancelIcon()), widget.WarningImportance
		title, detail = tr.T("result.cancelled"), tr.T("result.cancelled_detail")
	default:
		icon, imp = theme.NewWarningThemedResource(theme.WarningIcon()), widget.WarningImportance
		title, detail = tr.T("result.unknown"), tr.T("result.unknown_detail")
	}
	s.icon.SetResource(icon)
	s.title.Text = title
	s.title.Importance = imp
	s.title.Refresh()
	s.detail.SetText(detail)
	s.showReceipt(o, state)
}
