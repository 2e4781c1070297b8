package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/store"
)

// charge starts a sale for the amount on the amount screen. The QR
// screen shows at once, "creating the payment", while the engine saves
// the order (an fsync) on a goroutine of its own: the UI goroutine does
// no disk work. started takes it from there. A second Charge meanwhile
// does nothing: the amount screen is gone and a sale is starting.
func (g *gui) charge() {
	if g.screen != screenAmount || g.sale != nil || g.amount.starting {
		return
	}
	t0 := time.Now()
	defer func() { g.amount.chargeTook = time.Since(t0) }()
	g.amount.chargedAt = t0
	g.touch()
	amt, err := g.eng.ParseAmount(g.amount.amount())
	if err != nil {
		return
	}
	goods := strings.TrimSpace(g.amount.item.Text)
	g.amount.starting = true
	g.saleSeq++
	g.cancelling, g.lastEvent, g.troubleSince = false, checkout.Event{}, time.Time{}
	total := g.eng.Settings().Expiry
	for _, q := range g.qrScreens() {
		q.start(g.cur.Format(amt), total)
		q.setStatus(g.tr.T("qr.creating"), widget.MediumImportance)
		q.cancel.Disable() // nothing to cancel before the order exists
	}
	g.show(screenQR)
	if g.customer != nil {
		g.customer.show(screenQR)
	}
	seq, eng, ctx := g.saleSeq, g.eng, g.ctx
	req := checkout.Request{Amount: amt, GoodsName: goods}
	go func() {
		t0 := time.Now()
		sale, err := eng.Start(ctx, req)
		took := time.Since(t0)
		g.do(func() {
			g.amount.startTook = took
			g.started(seq, sale, err)
		})
	}()
}

// started shows the sale charge started, on the UI goroutine: its QR
// screen follows its events; if it could not start, the amount screen
// comes back as it was, with the reason.
func (g *gui) started(seq int, sale *checkout.Sale, err error) {
	g.amount.starting = false
	if seq != g.saleSeq {
		return // cannot happen: no other sale starts meanwhile
	}
	if err != nil {
		for _, q := range g.qrScreens() {
			q.preparing.Stop()
		}
		g.show(screenAmount)
		if g.customer != nil {
			g.customer.show(screenAmount)
		}
		g.message(g.tr.T("error.title"), g.words(false, "error.start", err.Error()))
		return
	}
	g.sale = sale
	for _, q := range g.qrScreens() {
		q.setStatus(g.tr.T("qr.preparing"), widget.MediumImportance)
		q.cancel.Enable()
	}
	go g.follow(sale, seq)
	go g.countdown(sale, seq)
}

// qrScreens are the QR screens to update: the main one and the
// customer display's.
func (g *gui) qrScreens() []*qrScreen {
	out := []*qrScreen{g.qr}
	if g.customer != nil {
		out = append(out, g.customer.qr)
	}
	return out
}

func (g *gui) resultScreens() []*resultScreen {
	out := []*resultScreen{g.result}
	if g.customer != nil {
		out = append(out, g.customer.result)
	}
	return out
}

// follow hands a sale's events to the UI goroutine. It runs on its own
// goroutine and touches no widget.
func (g *gui) follow(sale *checkout.Sale, seq int) {
	for ev := range sale.Events() {
		g.do(func() { g.onEvent(seq, ev) })
	}
}

// countdown ticks the QR screen's countdown until the sale is over.
func (g *gui) countdown(sale *checkout.Sale, seq int) {
	t := time.NewTicker(g.d.Tick)
	defer t.Stop()
	for {
		select {
		case <-sale.Done():
			return
		case <-g.ctx.Done():
			return
		case <-t.C:
			g.do(func() {
				if seq == g.saleSeq && g.sale != nil {
					long := g.troubleLong()
					for _, q := range g.qrScreens() {
						if long && !q.dimmed && q.qr.content != "" {
							q.apply(g.lastEvent, g.cancelling) // the trouble has lasted: dim
						}
						q.tick(g.d.Now())
					}
				}
			})
		}
	}
}

// onEvent shows one event of the sale seq, on the UI goroutine.
func (g *gui) onEvent(seq int, ev checkout.Event) {
	if seq != g.saleSeq || g.sale == nil {
		return // a sale that is over
	}
	g.lastEvent = ev
	switch {
	case ev.Trouble != nil:
		if g.troubleSince.IsZero() {
			g.troubleSince = g.d.Now()
		}
	case !ev.Checking:
		g.troubleSince = time.Time{} // QFPay answered
	}
	if ev.Final {
		g.finish(ev)
		return
	}
	shown := g.qr.qr.content != ""
	for _, q := range g.qrScreens() {
		q.apply(ev, g.cancelling)
	}
	if debugMemstats && !shown && g.qr.qr.content != "" {
		reportQRShown(seq, g.amount.chargedAt, g.amount.chargeTook, g.amount.startTook)
	}
}

// cancelSale is the confirmed Cancel: the engine closes the order at
// QFPay and checks it; the result screen follows its final event.
func (g *gui) cancelSale() {
	if g.sale == nil {
		return
	}
	g.cancelling = true
	g.sale.Cancel()
	g.qr.cancel.Disable()
	for _, q := range g.qrScreens() {
		q.apply(g.lastEvent, true)
	}
}

// troubleLong reports whether QFPay has failed to answer the sale's
// checks for troubleDim or more.
func (g *gui) troubleLong() bool {
	return !g.troubleSince.IsZero() && g.d.Now().Sub(g.troubleSince) >= troubleDim
}

// finish shows the result of a sale that is over.
func (g *gui) finish(ev checkout.Event) {
	g.sale = nil
	g.cancelling = false
	if q := g.qr.confirm; q != nil {
		q.dlg.Hide()
		g.qr.confirm = nil
	}
	for _, q := range g.qrScreens() {
		q.preparing.Stop()
	}
	o, err := g.eng.Store().Get(ev.OutTradeNo)
	if err != nil {
		o = &store.Order{OutTradeNo: ev.OutTradeNo, Amount: ev.Amount, Currency: ev.Currency, RespCd: ev.RespCd}
	}
	g.showResult(o, ev.State)
	if ev.State == store.StatePaid {
		g.paid(o) // chime, spoken amount, receipt (devices.go)
	}
	if ev.State == store.StateUnknown {
		g.watchUnknown(ev.OutTradeNo)
	}
	if g.closing {
		g.app.Quit()
	}
}

// showResult shows the result of an order and, unless the outcome is
// unknown or the result was reached after an unknown one (stay: the
// cashier may have looked away while it was checked), goes back to a new
// sale after a while.
func (g *gui) showResult(o *store.Order, state store.State) { g.showResultStay(o, state, false) }

// showResultAfterUnknown shows a result reached after an unknown one: it
// stays until someone taps it.
func (g *gui) showResultAfterUnknown(o *store.Order, state store.State) {
	g.showResultStay(o, state, true)
}

func (g *gui) showResultStay(o *store.Order, state store.State, stay bool) {
	amount := g.cur.Format(o.Amount)
	for _, r := range g.resultScreens() {
		r.show(o, state, amount)
	}
	g.show(screenResult)
	if g.customer != nil {
		g.customer.show(screenResult)
	}
	g.resultSeq++
	if state == store.StateUnknown || stay {
		return // stays until someone has read it (or, unknown, it is settled)
	}
	seq := g.resultSeq
	time.AfterFunc(g.d.ResultDelay, func() {
		g.do(func() {
			if seq == g.resultSeq && g.screen == screenResult {
				g.newSale()
			}
		})
	})
}

// newSale goes back to the amount screen, cleared.
func (g *gui) newSale() {
	if g.sale != nil {
		return
	}
	g.resultSeq++
	g.amount.reset()
	g.show(screenAmount)
	if g.customer != nil {
		g.customer.show(screenAmount)
	}
	g.showRecoverNotice()
}

// chargeAgain is the result screen's "Charge HK$7.80 again" after a
// decline or an expiry: a new order (a new out_trade_no) for the same
// amount and goods name, started as Charge starts one.
func (g *gui) chargeAgain(amount int64, goods string) {
	if g.sale != nil || g.screen != screenResult || amount <= 0 {
		return
	}
	g.newSale()
	g.amount.input = g.cur.Decimal(amount)
	g.amount.item.SetText(goods)
	g.amount.refresh()
	g.charge()
}

// watchUnknown keeps asking QFPay about an order whose outcome is not
// known (Engine.Check, just that order), and shows its result when it is
// settled if the result screen still shows it.
func (g *gui) watchUnknown(outTradeNo string) {
	for _, no := range g.unknownWatch {
		if no == outTradeNo {
			return
		}
	}
	g.unknownWatch = append(g.unknownWatch, outTradeNo)
	eng, ctx, wait := g.eng, g.ctx, g.d.RecheckUnknown
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, time.Minute)
			o, err := eng.Check(ctx, outTradeNo)
			if err != nil || !o.State.Final() {
				continue
			}
			g.do(func() {
				g.unknownWatch = removeString(g.unknownWatch, outTradeNo)
				if g.screen == screenResult && g.result.outTradeNo == outTradeNo && g.sale == nil {
					g.showResultAfterUnknown(o, o.State)
					if o.State == store.StatePaid {
						g.paid(o)
					}
				}
			})
			return
		}
	}()
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}
