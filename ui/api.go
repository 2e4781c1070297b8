package ui

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/widget"

	qfapp "github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/checkout"
)

// StartSale starts req as the window's sale, as Charge does: the local
// API's sales (app.Till) show on the cashier's and the customer's screens
// like any other, and the cashier can cancel them. It refuses with
// app.ErrBusy, nothing stored, while a sale runs or starts, a staff
// screen is open or the window is closing. The sale runs under the
// window's context, not ctx.
func (g *gui) StartSale(_ context.Context, req checkout.Request) (*checkout.Sale, error) {
	type result struct {
		sale *checkout.Sale
		err  error
	}
	ch := make(chan result, 1)
	// Either the UI goroutine takes the request (and answers on ch) or the
	// caller gives up on it first; never both, so a sale the caller was
	// told did not start never starts later.
	var taken atomic.Bool
	g.do(func() {
		if !taken.CompareAndSwap(false, true) {
			return // the caller has given up
		}
		if g.sale != nil || g.amount.starting || g.closing || g.screen != screenAmount && g.screen != screenResult {
			ch <- result{err: qfapp.ErrBusy}
			return
		}
		g.touch()
		g.amount.starting = true
		g.saleSeq++
		g.cancelling, g.lastEvent = false, checkout.Event{}
		total := g.eng.Settings().Expiry
		for _, q := range g.qrScreens() {
			q.start(g.cur.Format(req.Amount), total)
			q.setStatus(g.tr.T("qr.creating"), widget.MediumImportance)
			q.cancel.Disable()
		}
		g.show(screenQR)
		if g.customer != nil {
			g.customer.show(screenQR)
		}
		seq, eng, ctx := g.saleSeq, g.eng, g.ctx
		go func() {
			sale, err := eng.Start(ctx, req)
			ch <- result{sale, err}
			g.do(func() { g.started(seq, sale, err) })
		}()
	})
	select {
	case r := <-ch:
		return r.sale, r.err
	case <-time.After(15 * time.Second):
	case <-g.ctx.Done():
	}
	if taken.CompareAndSwap(false, true) {
		if g.ctx.Err() != nil {
			return nil, qfapp.ErrBusy
		}
		return nil, errors.New("the cashier window did not answer")
	}
	r := <-ch // taken just now: its answer comes
	return r.sale, r.err
}
