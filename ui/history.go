package ui

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
)

// historyPage is how many orders the list loads at a time.
const historyPage = 50

// historyScreen lists a day's orders (or the orders matching a search),
// the day's totals per currency and its paid sales by hour, and opens an
// order to refund it.
type historyScreen struct {
	g        *gui
	day      time.Time // midnight of the day shown, in the merchant's zone
	dayLabel *widget.Label
	prev     *widget.Button
	next     *widget.Button
	today    *widget.Button
	search   *widget.Entry
	list     *widget.List
	empty    *widget.Label
	more     *widget.Button
	totals   *widget.Label
	chart    *hourChart
	export   *widget.Button
	printDay *widget.Button // the day report on the receipt printer, when one is set up
	content  fyne.CanvasObject

	orders  []*store.Order
	cursor  string // of the next page, "" when there is none
	seq     int    // bumps with every reload: a search's answer for an older one is dropped
	loading bool   // a search page is being read
	detail  *orderDetail
	refund  *refundForm
}

func newHistoryScreen(g *gui) *historyScreen {
	tr := g.tr
	s := &historyScreen{g: g}
	s.dayLabel = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { s.setDay(s.day.AddDate(0, 0, -1)) })
	s.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { s.setDay(s.day.AddDate(0, 0, 1)) })
	s.today = widget.NewButton(tr.T("history.today"), func() { s.setDay(time.Time{}) })
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(tr.T("history.search"))
	s.search.ActionItem = widget.NewButtonWithIcon("", theme.SearchIcon(), func() { s.reload() })
	s.search.OnSubmitted = func(string) { s.reload() }
	s.search.OnChanged = func(text string) {
		g.touch()
		if text == "" {
			s.reload()
		}
	}
	s.export = widget.NewButtonWithIcon(tr.T("history.export"), theme.DownloadIcon(), s.askExport)
	s.printDay = widget.NewButtonWithIcon(tr.T("receipt.day"), theme.DocumentPrintIcon(), nil)
	s.printDay.OnTapped = func() { g.printDay(s.day, s.printDay) }
	s.list = widget.NewList(
		func() int { return len(s.orders) },
		func() fyne.CanvasObject {
			when := widget.NewLabel("00:00:00")
			amount := widget.NewLabelWithStyle("HK$0,000.00", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
			state := widget.NewLabel("cancelled")
			no := widget.NewLabel("")
			no.Truncation = fyne.TextTruncateEllipsis
			no.Importance = widget.LowImportance
			return container.NewBorder(nil, nil, container.NewHBox(when, state), amount, no)
		},
		func(id widget.ListItemID, obj fyne.CanvasObject) {
			if id < 0 || id >= len(s.orders) {
				return
			}
			s.fillRow(s.orders[id], obj.(*fyne.Container))
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		s.list.UnselectAll()
		if id >= 0 && id < len(s.orders) {
			s.openOrder(s.orders[id].OutTradeNo)
		}
	}
	s.empty = widget.NewLabelWithStyle(tr.T("history.empty"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	s.more = widget.NewButton(tr.T("history.more"), s.loadMore)
	s.totals = widget.NewLabel("")
	s.totals.Wrapping = fyne.TextWrapWord
	s.chart = newHourChart()
	top := container.NewBorder(nil, nil, container.NewHBox(s.prev, s.today, s.next), container.NewHBox(s.printDay, s.export), s.search)
	orders := container.NewBorder(s.dayLabel, s.more, nil, nil, container.NewStack(s.list, s.empty))
	totalsTitle := widget.NewLabelWithStyle(tr.T("history.totals"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	chartTitle := widget.NewLabelWithStyle(tr.T("history.by_hour"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	summary := container.NewBorder(container.NewVBox(totalsTitle, s.totals, chartTitle), nil, nil, nil, s.chart)
	s.content = secondary(container.NewBorder(top, nil, nil, nil, container.New(adaptiveLayout{share: 0.58}, orders, summary)))
	return s
}

// loc is the merchant's zone.
func (s *historyScreen) loc() *time.Location { return s.g.eng.Settings().Location }

// bounds is the day shown: [midnight, next midnight).
func (s *historyScreen) bounds() (from, to time.Time) {
	return checkout.DayBounds(s.day, s.loc())
}

// setDay shows another day; the zero time is today.
func (s *historyScreen) setDay(day time.Time) {
	s.g.touch()
	if day.IsZero() {
		day = s.g.d.Now()
	}
	s.day, _ = checkout.DayBounds(day, s.loc())
	s.search.SetText("")
	s.reload()
}

// reload reads the first page of orders, the totals and the chart.
func (s *historyScreen) reload() {
	g, tr := s.g, s.g.tr
	if g.cfg.Printer == "" { // Settings may have set one up since
		s.printDay.Hide()
	} else {
		s.printDay.Show()
	}
	if s.day.IsZero() {
		s.day, _ = checkout.DayBounds(g.d.Now(), s.loc())
	}
	from, to := s.bounds()
	today, _ := checkout.DayBounds(g.d.Now(), s.loc())
	if s.day.Equal(today) {
		s.next.Disable()
	} else {
		s.next.Enable()
	}
	s.orders, s.cursor = nil, ""
	s.seq++
	s.loading = false
	s.loadMore()
	if q := strings.TrimSpace(s.search.Text); q != "" {
		s.dayLabel.SetText(tr.T("history.results", q))
	} else {
		s.dayLabel.SetText(s.day.Format("2006-01-02") + " " + tr.T(fmt.Sprintf("weekday.%d", s.day.Weekday())))
	}

	totals, err := g.eng.Store().Totals(from, to)
	if err != nil {
		s.totals.SetText(tr.T("history.error", err.Error()))
	} else {
		s.totals.SetText(s.totalsText(totals))
	}
	hours, _ := g.eng.Store().HourlyPaid(from, to, s.loc()) // an error shows with the totals
	s.chart.set(hours[g.cur.Code], g.cur)
}

// query is the list's query: the day, or a search over every day.
func (s *historyScreen) query() store.ListQuery {
	q := store.ListQuery{Limit: historyPage, Cursor: s.cursor}
	if term := strings.TrimSpace(s.search.Text); term != "" {
		q.Search = term
		return q
	}
	q.From, q.To = s.bounds()
	return q
}

// loadMore appends the next page. A day's page is read at once; a search
// reads the whole time index, so it runs on a goroutine and its answer
// comes back through do, dropped if the screen has reloaded since.
func (s *historyScreen) loadMore() {
	g := s.g
	g.touch()
	q := s.query()
	if q.Search == "" {
		page, next, err := g.eng.Store().List(q)
		s.addPage(page, next, err)
		return
	}
	if s.loading {
		return
	}
	s.loading = true
	s.more.Disable()
	if len(s.orders) == 0 {
		s.empty.Hide()
	}
	seq, st := s.seq, g.eng.Store()
	go func() {
		page, next, err := st.List(q)
		g.do(func() {
			if seq == s.seq {
				s.loading = false
				s.more.Enable()
				s.addPage(page, next, err)
			}
		})
	}()
}

// addPage shows a page read by loadMore.
func (s *historyScreen) addPage(page []*store.Order, next string, err error) {
	if err != nil {
		s.g.message(s.g.tr.T("error.title"), s.g.tr.T("history.error", err.Error()))
		return
	}
	s.orders = append(s.orders, page...)
	s.cursor = next
	if next == "" {
		s.more.Hide()
	} else {
		s.more.Show()
	}
	if len(s.orders) == 0 {
		s.empty.Show()
	} else {
		s.empty.Hide()
	}
	s.list.Refresh()
}

// stateText is an order state in the current language.
func (g *gui) stateText(st store.State) string { return g.tr.T("state." + string(st)) }

func (s *historyScreen) fillRow(o *store.Order, row *fyne.Container) {
	g := s.g
	left := row.Objects[1].(*fyne.Container)
	when := left.Objects[0].(*widget.Label)
	state := left.Objects[1].(*widget.Label)
	amount := row.Objects[2].(*widget.Label)
	no := row.Objects[0].(*widget.Label)
	t := o.CreatedAt.In(s.loc())
	if strings.TrimSpace(s.search.Text) != "" {
		when.SetText(t.Format("01-02 15:04"))
	} else {
		when.SetText(t.Format("15:04:05"))
	}
	state.SetText(g.stateText(o.State))
	state.Importance = stateImportance(o.State)
	state.Refresh()
	if r := refunded(o); r > 0 {
		amount.SetText(g.tr.T("history.row_refunded", formatIn(o.Currency, o.Amount), formatIn(o.Currency, r)))
	} else {
		amount.SetText(formatIn(o.Currency, o.Amount))
	}
	no.SetText(o.OutTradeNo)
}

// stateImportance colours a state: paid green, failed red, unknown orange.
func stateImportance(st store.State) widget.Importance {
	switch st {
	case store.StatePaid:
		return widget.SuccessImportance
	case store.StateFailed:
		return widget.DangerImportance
	case store.StateUnknown, store.StateCreating, store.StateAwaiting:
		return widget.WarningImportance
	}
	return widget.LowImportance
}

// formatIn formats minor units of any currency.
func formatIn(code string, minor int64) string {
	c, err := money.Lookup(code)
	if err != nil {
		return fmt.Sprintf("%d %s", minor, code)
	}
	return c.Format(minor)
}

// totalsText is the day's totals, one line per currency: paid (less
// refunds) and how many orders ended otherwise.
func (s *historyScreen) totalsText(totals []store.Total) string {
	tr := s.g.tr
	if len(totals) == 0 {
		return tr.T("history.no_sales")
	}
	type sum struct {
		paid, refunded int64
		count          int
		other          []string
	}
	var order []string
	sums := map[string]*sum{}
	for _, t := range totals {
		x := sums[t.Currency]
		if x == nil {
			x = &sum{}
			sums[t.Currency] = x
			order = append(order, t.Currency)
		}
		if t.State == store.StatePaid {
			x.paid, x.refunded, x.count = t.Amount, t.Refunded, t.Count
		} else {
			x.other = append(x.other, fmt.Sprintf("%s %d", s.g.stateText(t.State), t.Count))
		}
	}
	var b strings.Builder
	for _, code := range order {
		x := sums[code]
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(tr.T("history.paid_line", code, formatIn(code, x.paid), x.count))
		if x.refunded > 0 {
			b.WriteString(" " + tr.T("history.refunded_line", formatIn(code, x.refunded), formatIn(code, x.paid-x.refunded)))
		}
		if len(x.other) > 0 {
			b.WriteString("\n  " + strings.Join(x.other, " · "))
		}
	}
	return b.String()
}

// askExport saves the day's orders as CSV where the cashier says.
func (s *historyScreen) askExport() {
	g := s.g
	g.touch()
	from, _ := s.bounds()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		s.saveCSV(w)
	}, g.win)
	d.SetFileName("qfpos-" + from.Format("2006-01-02") + ".csv")
	g.track(d)
	d.Show()
	d.Resize(g.win.Canvas().Size().Subtract(fyne.NewSquareSize(32)))
}

// saveCSV writes the day's orders to w on a goroutine (a day can be a
// long file on a slow disk) and says how it went.
func (s *historyScreen) saveCSV(w fyne.URIWriteCloser) {
	g, export := s.g, s.exporter()
	go func() {
		err := export(w)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		g.do(func() {
			if err != nil {
				g.message(g.tr.T("error.title"), g.tr.T("history.export_failed", err.Error()))
				return
			}
			g.message(g.tr.T("history.export"), g.tr.T("history.exported", w.URI().Path()))
		})
	}()
}

// exporter writes the day shown as CSV; it may run on any goroutine.
func (s *historyScreen) exporter() func(io.Writer) error {
	st := s.g.eng.Store()
	from, to := s.bounds()
	return func(w io.Writer) error { return st.ExportCSV(w, from, to) }
}

// orderDetail is the dialog of one order.
type orderDetail struct {
	text        *widget.Label
	refund      *widget.Button
	printRefund *widget.Button // the latest refund's receipt
	box         *msgBox
}

// refundable is what is left to refund of an order.
func refundable(o *store.Order) int64 {
	if o.State != store.StatePaid || o.SysSN == "" {
		return 0
	}
	left := o.Amount
	for _, r := range o.Refunds {
		if r.State != store.RefundFailed {
			left -= r.Amount
		}
	}
	return max(left, 0)
}

// refunded is what was refunded of an order, or is being refunded (a
// refund sent whose outcome is not known yet counts: it must not be sent
// twice).
func refunded(o *store.Order) int64 {
	var n int64
	for _, r := range o.Refunds {
		if r.State != store.RefundFailed {
			n += r.Amount
		}
	}
	return n
}

// openOrder shows one order, with Refund when some is left to refund.
func (s *historyScreen) openOrder(outTradeNo string) {
	g, tr := s.g, s.g.tr
	g.touch()
	o, err := g.eng.Store().Get(outTradeNo)
	if err != nil {
		g.message(tr.T("error.title"), tr.T("history.error", err.Error()))
		return
	}
	d := &orderDetail{}
	d.text = widget.NewLabel(s.describe(o))
	d.text.Wrapping = fyne.TextWrapWord
	d.refund = widget.NewButtonWithIcon(tr.T("refund.button"), theme.ContentUndoIcon(), func() {
		g.requirePIN(func() { s.askRefund(outTradeNo) })
	})
	d.refund.Importance = widget.DangerImportance
	d.printRefund = g.refundReceiptButton(o)
	if refundable(o) == 0 {
		d.refund.Hide()
	}
	d.box = g.custom(tr.T("history.order"), container.NewVBox(d.text, container.NewHBox(layout.NewSpacer(), g.reprintButton(o), d.printRefund, d.refund)))
	s.detail = d
}

// describe is an order for people.
func (s *historyScreen) describe(o *store.Order) string {
	tr, loc := s.g.tr, s.loc()
	lines := []string{
		tr.T("detail.order", o.OutTradeNo),
		tr.T("detail.amount", formatIn(o.Currency, o.Amount)),
		tr.T("detail.state", s.g.stateText(o.State)),
		tr.T("detail.created", o.CreatedAt.In(loc).Format("2006-01-02 15:04:05")),
	}
	if o.SysSN != "" {
		lines = append(lines, tr.T("detail.syssn", o.SysSN))
	}
	if !o.PaidAt.IsZero() {
		lines = append(lines, tr.T("detail.paid", o.PaidAt.In(loc).Format("2006-01-02 15:04:05")))
	}
	if o.GoodsName != "" {
		lines = append(lines, tr.T("detail.goods", o.GoodsName))
	}
	if o.RespCd != "" {
		lines = append(lines, tr.T("detail.respcd", o.RespCd))
	}
	for _, r := range o.Refunds {
		lines = append(lines, tr.T("detail.refund", formatIn(o.Currency, r.Amount), tr.T("refund.state."+string(r.State)), r.OutTradeNo))
	}
	return strings.Join(lines, "\n")
}

// refundForm is the dialog that refunds all or part of an order.
type refundForm struct {
	amount  *widget.Entry
	keys    map[string]*widget.Button // the on-screen keypad
	confirm *msgBox                   // "Refund HK$10.00 of HK$38.50?" when asked
	msg     *widget.Label
	ok      *widget.Button
	dlg     *dialog.CustomDialog
	left    int64
	no      string // the order refunded
}

// askRefund asks how much to refund (all that is left, by default).
func (s *historyScreen) askRefund(outTradeNo string) {
	g, tr := s.g, s.g.tr
	o, err := g.eng.Store().Get(outTradeNo)
	if err != nil {
		g.message(tr.T("error.title"), tr.T("history.error", err.Error()))
		return
	}
	cur, err := money.Lookup(o.Currency)
	if err != nil {
		g.message(tr.T("error.title"), err.Error())
		return
	}
	if s.detail != nil {
		s.detail.box.dlg.Hide()
	}
	f := &refundForm{left: refundable(o), no: outTradeNo}
	f.amount = widget.NewEntry()
	f.amount.SetText(cur.Decimal(f.left))
	f.msg = widget.NewLabel(tr.T("refund.left", cur.Format(f.left)))
	f.msg.Wrapping = fyne.TextWrapWord
	// A keypad, for a till worked by touch alone (the amount screen's).
	dot := keyDot
	if cur.Exponent == 0 {
		dot = ""
	}
	var pad fyne.CanvasObject
	f.keys, pad = g.keypad(func(k string) {
		if k == keyDot && strings.Contains(f.amount.Text, ".") {
			return
		}
		f.amount.SetText(typeKey(f.amount.Text, k))
	}, "7", "8", "9", "4", "5", "6", "1", "2", "3", dot, "0", keyBack)
	f.dlg = dialog.NewCustomWithoutButtons(tr.T("refund.title"), container.NewVBox(
		widget.NewLabel(tr.T("detail.order", o.OutTradeNo)),
		widget.NewForm(widget.NewFormItem(tr.T("refund.amount", cur.Code), f.amount)),
		f.msg,
		pad,
	), g.win)
	cancel := widget.NewButton(tr.T("button.cancel"), f.dlg.Hide)
	send := func(amt int64) {
		f.ok.Disable()
		f.msg.Importance = widget.MediumImportance
		f.msg.SetText(tr.T("refund.sending"))
		ctx := g.ctx
		go func() {
			ref, err := g.eng.Refund(ctx, outTradeNo, amt)
			g.do(func() { s.refunded(f, cur, ref, err) })
		}()
	}
	f.ok = widget.NewButton(tr.T("refund.button"), func() {
		g.touch()
		amt, err := cur.Parse(f.amount.Text, f.left)
		if err != nil {
			f.msg.Importance = widget.DangerImportance
			f.msg.SetText(tr.T("refund.bad_amount", cur.Format(f.left)))
			return
		}
		// Money goes back to the customer: asked once more, with both amounts.
		f.confirm = g.confirm(tr.T("refund.confirm_title"), tr.T("refund.confirm", cur.Format(amt), cur.Format(o.Amount)),
			tr.T("refund.button"), tr.T("button.back"), func() { send(amt) })
	})
	f.ok.Importance = widget.DangerImportance
	f.dlg.SetButtons([]fyne.CanvasObject{cancel, f.ok})
	g.showDialog(f.dlg)
	g.setKeys(f.dlg, f.ok.OnTapped, f.dlg.Hide)
	s.refund = f
}

// refunded shows how a refund went.
func (s *historyScreen) refunded(f *refundForm, cur money.Currency, ref store.Refund, err error) {
	g, tr := s.g, s.g.tr
	f.dlg.Hide()
	s.reload()
	switch {
	case err == nil:
		g.message(tr.T("refund.title"), tr.T("refund.done", cur.Format(ref.Amount), ref.SysSN))
		if g.cfg.Printer != "" && g.cfg.PrinterAuto { // as after a paid sale
			if o, gerr := g.eng.Store().Get(f.no); gerr == nil {
				g.printRefund(o, ref.OutTradeNo, nil)
			}
		}
	case errors.Is(err, checkout.ErrRefundTooMuch) || errors.Is(err, checkout.ErrNotRefundable):
		g.message(tr.T("refund.title"), tr.T("refund.refused", err.Error()))
	case ref.State == store.RefundFailed:
		g.message(tr.T("refund.title"), tr.T("refund.refused", err.Error()))
	default:
		g.message(tr.T("refund.title"), tr.T("refund.unknown"))
	}
}
