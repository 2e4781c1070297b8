package checkout

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

// Settled is what Recover did with one order.
type Settled struct {
	OutTradeNo string
	From, To   store.State
	Note       string
	Err        error // QFPay could not be asked; the order stays as it was
}

// Recover settles every order that is not final, as on start-up after a
// crash: each is queried at QFPay and moved to what QFPay says. An order
// still pending past its expiry is closed and confirmed; one QFPay has no
// record of, old enough that it would show, never reached QFPay and is
// failed. Unsettled refunds are queried the same way. Its queries yield
// to running sales within the engine's request budget.
func (e *Engine) Recover(ctx context.Context) ([]Settled, error) {
	ctx = background(ctx) // live sales go first within the request budget
	open, err := e.st.NotFinal()
	if err != nil {
		return nil, err
	}
	// One query per hundred open orders (§4: out_trade_no takes a
	// comma-separated list), not one per order.
	var ls []lookup
	for _, o := range open {
		if !o.State.Final() {
			ls = append(ls, e.orderLookup(o))
		}
	}
	answers := e.queryAll(ctx, ls)
	var out []Settled
	for _, o := range open {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if !o.State.Final() {
			out = append(out, e.recoverWith(ctx, o, answers[o.OutTradeNo]))
		}
		for _, r := range o.Refunds {
			if r.State == store.RefundCreating || r.State == store.RefundUnknown {
				out = append(out, e.recoverRefund(ctx, o, r))
			}
		}
	}
	return append(out, e.recoverSales(ctx, open)...), nil
}

// Check asks QFPay about one sale whose outcome is not known yet — its
// order and, for a WeChat JSAPI sale, its attempts — and settles what is
// open the way Recover does (an order still pending past its expiry is
// closed and confirmed), at Recover's low priority. It returns the order
// the sale ended on: a paid attempt when one was paid, else the sale's own
// order; with QFPay's error when it could not be asked.
func (e *Engine) Check(ctx context.Context, outTradeNo string) (*store.Order, error) {
	p, err := e.st.Get(outTradeNo)
	if err != nil {
		return nil, err
	}
	var qerr error
	for _, m := range e.saleOrders(p) {
		if !m.State.Final() {
			if res := e.recoverOrder(background(ctx), m); res.Err != nil {
				qerr = res.Err
			}
		}
	}
	members := e.saleOrders(p) // as settled now
	for _, m := range members {
		if m.State == store.StatePaid {
			return m, qerr
		}
	}
	for _, m := range members {
		if !m.State.Final() {
			return m, qerr // still undecided
		}
	}
	return members[0], qerr
}

// saleOrders is a sale's own order (re-read) followed by its WeChat JSAPI
// attempts, which are made while its QR is up: a short range of the time
// index.
func (e *Engine) saleOrders(p *store.Order) []*store.Order {
	if fresh, err := e.st.Get(p.OutTradeNo); err == nil {
		p = fresh
	}
	members := []*store.Order{p}
	for cursor := ""; ; {
		page, next, err := e.st.List(store.ListQuery{From: p.CreatedAt, To: p.ExpiresAt.Add(e.s.Grace + time.Minute), Limit: 500, Cursor: cursor})
		if err != nil {
			break
		}
		for _, o := range page {
			if o.Parent == p.OutTradeNo {
				members = append(members, o)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return members
}

// recoverSales keeps a crashed WeChat JSAPI sale from staying payable
// twice: a sale is one 800201 order and its 800207 attempts (Parent), and
// once one of them is paid, every other one still open is closed and
// confirmed (if it too turns out paid, the note says so: refund one).
func (e *Engine) recoverSales(ctx context.Context, open []*store.Order) []Settled {
	parents := map[string]bool{}
	for _, o := range open {
		if o.Parent != "" {
			parents[o.Parent] = true
		} else {
			parents[o.OutTradeNo] = true
		}
	}
	var out []Settled
	for pno := range parents {
		p, err := e.st.Get(pno)
		if err != nil {
			continue
		}
		members := e.saleOrders(p)
		paid := ""
		for _, m := range members {
			if m.State == store.StatePaid {
				paid = m.OutTradeNo
				break
			}
		}
		if paid == "" || len(members) == 1 {
			continue
		}
		for _, m := range members {
			if m.State.Final() {
				continue
			}
			res := Settled{OutTradeNo: m.OutTradeNo, From: m.State, To: m.State, Note: "closed: the sale was paid as " + paid}
			o2, err := e.closeAndConfirm(ctx, m, store.StateCancelled, nil)
			e.paidAfterSale(m, o2) // JSAPI: an attempt paid after its sale ended (jsapi.go)
			res.Err = err
			if o2 != nil {
				res.To = o2.State
				if o2.State == store.StatePaid {
					res.Note = "paid twice — refund one: " + paid + " and " + m.OutTradeNo
				}
			}
			out = append(out, res)
		}
	}
	return out
}

// recoverOrder queries order o and settles it (see recoverWith).
func (e *Engine) recoverOrder(ctx context.Context, o *store.Order) Settled {
	recs, date, err := e.queryMany(ctx, []lookup{e.orderLookup(o)})
	rec, found := recs[o.OutTradeNo]
	return e.recoverWith(ctx, o, said{rec: rec, found: found, date: date, err: err})
}

// expiryMargin is how long past an order's expiry, by QFPay's clock, it
// is taken as no longer payable without a close (see pastExpiry): the
// sysdtm and Date it is judged by are to the second, and QFPay may close
// an expired QR a little late.
const expiryMargin = time.Minute

// pastExpiry reports whether order o can no longer be paid at QFPay by
// QFPay's own clock: qnow, the Date of a query's answer, is expiryMargin
// past the expiry QFPay set — its record's sysdtm (its clock too) plus
// the order's life (what was sent as expired_time; one outside QFPay's
// 5–120 minutes is taken as 120). Only a WeChat QR (800201) order is
// judged so: it is the one qfpos sends expired_time with; a JSAPI
// attempt's life is QFPay's and WeChat's, and it is closed. Without a
// record (QFPay never had the order) it is the order's own expiry, by
// this device's clock: an order QFPay has no record of NotFoundAfter
// after it was sent never reached QFPay and never will, whatever the
// clocks say. False when qnow is unknown: then o is closed.
func (e *Engine) pastExpiry(o *store.Order, rec *payment.Record, qnow time.Time) bool {
	if qnow.IsZero() || o.ExpiresAt.IsZero() || o.PayType != "" && o.PayType != payment.PayTypeWeChatQR {
		return false
	}
	life := o.ExpiresAt.Sub(o.CreatedAt)
	if life < 5*time.Minute || life > 120*time.Minute {
		life = 120 * time.Minute
	}
	expires := o.ExpiresAt
	if rec != nil {
		t, err := time.ParseInLocation(payment.TimeLayout, rec.SysDtm, e.s.QFPayZone)
		if err != nil {
			return false // no sysdtm: close it
		}
		expires = t.Add(life)
	}
	return !qnow.Before(expires.Add(expiryMargin))
}

// recoverWith settles order o by what a query said of it. An order that
// is still pending, or that QFPay has no record of, is closed and
// confirmed only while it could still be paid: past its expiry by QFPay's
// clock (see pastExpiry) it is expired (failed, when QFPay never had it)
// as it stands, with no close — a close costs a request of the budget and
// a confirming query, and a QR QFPay no longer takes needs none.
func (e *Engine) recoverWith(ctx context.Context, o *store.Order, a said) Settled {
	res := Settled{OutTradeNo: o.OutTradeNo, From: o.State, To: o.State}
	now := e.s.Clock.Now()
	rec, found, err := a.rec, a.found, a.err
	if err != nil {
		res.Err, res.Note = err, "QFPay could not be asked; will try again"
		return res
	}
	if found {
		if o2, ok := e.ours(o, rec); !ok {
			res.To, res.Note = o2.State, "QFPay's record does not match this order: check it (qfpos reconcile)"
			return res
		}
	}
	var o2 *store.Order
	switch {
	case !found && now.Sub(o.CreatedAt) < e.s.NotFoundAfter:
		res.Note = "QFPay has no record yet; too recent to decide"
		return res
	case !found && e.pastExpiry(o, nil, a.date):
		o2, err = e.settle(o, store.StateFailed, "recover: never reached QFPay, and past its expiry by QFPay's clock: nothing to close", nil)
	case !found:
		o2, err = e.closeAndConfirm(ctx, o, store.StateFailed, nil)
	default:
		st := rec.Status()
		if to := outcome(st, false); to != "" {
			o2, err = e.settle(o, to, "recover: query says "+string(st), &rec)
			break
		}
		// Pending at QFPay.
		if now.Before(o.ExpiresAt) {
			if o.State == store.StateCreating || o.State == store.StateUnknown {
				o2, err = e.st.Update(o.OutTradeNo, func(o *store.Order) error {
					if rec.SysSN != "" {
						o.SysSN = rec.SysSN
					}
					o.SetState(store.StateAwaiting, now, "recover: pending at QFPay", rec.RespCd)
					return nil
				})
			} else {
				o2 = o
			}
			res.Note = "still payable until " + o.ExpiresAt.In(e.s.Location).Format("15:04:05")
			break
		}
		if e.pastExpiry(o, &rec, a.date) {
			o2, err = e.settle(o, store.StateExpired, "recover: pending at QFPay past its expiry by QFPay's clock: no longer payable, not closed", &rec)
			break
		}
		o2, err = e.closeAndConfirm(ctx, o, store.StateExpired, nil)
	}
	if err != nil {
		res.Err = err
		return res
	}
	e.paidAfterSale(o, o2) // JSAPI: an attempt paid after its sale ended (jsapi.go)
	if o2 != nil {
		res.To = o2.State
	}
	if res.Note == "" {
		res.Note = fmt.Sprintf("%s → %s", res.From, res.To)
	}
	return res
}

func (e *Engine) recoverRefund(ctx context.Context, o *store.Order, r store.Refund) Settled {
	res := Settled{OutTradeNo: r.OutTradeNo, From: o.State, To: o.State}
	rec, found, err := e.query(ctx, refundLookup(o, r))
	if err != nil {
		res.Err, res.Note = err, "refund: QFPay could not be asked"
		return res
	}
	if found && !e.refundOurs(o, r, rec) {
		res.Note = "refund: QFPay's record does not match it; check it (qfpos reconcile)"
		return res
	}
	state := store.RefundState("")
	switch {
	case found && rec.RespCd == payment.RespOK:
		state = store.RefundDone
	case found && rec.Status() == payment.StatusPending:
	case found:
		state = store.RefundFailed
	case e.s.Clock.Now().Sub(r.CreatedAt) >= e.s.NotFoundAfter:
		state = store.RefundFailed // never reached QFPay
	}
	if state == "" {
		res.Note = "refund still pending"
		return res
	}
	_, err = e.st.Update(o.OutTradeNo, func(o *store.Order) error {
		for i := range o.Refunds {
			if o.Refunds[i].OutTradeNo == r.OutTradeNo {
				o.Refunds[i].State = state
				if found {
					o.Refunds[i].SysSN, o.Refunds[i].RespCd, o.Refunds[i].RespMsg = rec.SysSN, rec.RespCd, rec.ErrMsg
				}
			}
		}
		return nil
	})
	res.Err = err
	res.Note = "refund " + string(state)
	return res
}

// Mismatch is one difference between qfpos's orders and QFPay's records
// for a day.
type Mismatch struct {
	OutTradeNo   string
	SysSN        string
	Local        store.State    // "" when qfpos has no such order
	Remote       payment.Status // "" when QFPay has no such record
	LocalAmount  int64
	RemoteAmount int64
	Problem      string
}

// Reconcile compares a day's orders (the merchant's day containing day)
// with QFPay's own records for that day, fetched by time range over every
// page, and lists every mismatch: paid there but not here, paid here but
// not there, and records that are not the order's (txamt, txcurrcd or
// pay_type differ; see ours). Orders of other devices of the same
// merchant show as "not in this device's order file".
func (e *Engine) Reconcile(ctx context.Context, day time.Time) ([]Mismatch, error) {
	from, to := DayBounds(day, e.s.Location)
	if err := e.spend(ctx); err != nil { // one request; a *payment.Client spends one per page itself
		return nil, err
	}
	remote, err := e.gw.QueryRange(ctx, from, to, payment.QueryRequest{PayType: []string{payment.PayTypeWeChatQR, payment.PayTypeWeChatJSAPI}})
	if err != nil {
		return nil, fmt.Errorf("checkout: QFPay's records for %s: %w", from.Format("2006-01-02"), err)
	}
	local := map[string]*store.Order{}
	for cursor := ""; ; {
		page, next, err := e.st.List(store.ListQuery{From: from.Add(-e.s.Expiry), To: to, Limit: 500, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			local[o.OutTradeNo] = o
		}
		if next == "" {
			break
		}
		cursor = next
	}
	// A local order of the day that QFPay's records of the day lack may
	// be dated the next day at QFPay (sent in the last second before
	// midnight, or a clock apart): "not found" proves nothing until it
	// is looked up itself, by its own number and time range.
	var missing []lookup
	{
		inDay := map[string]bool{}
		for _, r := range remote {
			inDay[r.OutTradeNo] = true
		}
		for _, o := range local {
			if inDay[o.OutTradeNo] || o.CreatedAt.Before(from) || !o.CreatedAt.Before(to) {
				continue
			}
			if o.State == store.StatePaid || !o.State.Final() {
				missing = append(missing, e.orderLookup(o))
			}
		}
	}
	for _, b := range batches(missing) {
		recs, _, err := e.queryMany(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("checkout: QFPay's records for %s: %w", from.Format("2006-01-02"), err)
		}
		for _, l := range b {
			if r, ok := recs[l.no]; ok {
				remote = append(remote, r)
			}
		}
	}
	var out []Mismatch
	seen := map[string]bool{}
	for _, r := range remote {
		if r.OrderType != "" && r.OrderType != "payment" {
			continue
		}
		if seen[r.OutTradeNo] {
			continue
		}
		seen[r.OutTradeNo] = true
		st := r.Status()
		remotePaid := outcome(st, false) == store.StatePaid
		o, ok := local[r.OutTradeNo]
		if !ok {
			if o2, err := e.st.Get(r.OutTradeNo); err == nil {
				o, ok = o2, true
			}
		}
		foreign := "" // QFPay's record is not this order's (see ours)
		if ok {
			foreign = e.orderLookup(o).problem(r)
		}
		attempt := "" // JSAPI: a paid attempt its sale did not end paid by (jsapi.go)
		if ok && remotePaid && o.State == store.StatePaid {
			attempt = e.attemptProblem(o)
		}
		switch {
		case !ok && remotePaid:
			out = append(out, Mismatch{OutTradeNo: r.OutTradeNo, SysSN: r.SysSN, Remote: st, RemoteAmount: r.Amount, Problem: "paid at QFPay, not in this device's order file"})
		case !ok:
		case foreign != "":
			out = append(out, Mismatch{OutTradeNo: o.OutTradeNo, SysSN: r.SysSN, Local: o.State, Remote: st, LocalAmount: o.Amount, RemoteAmount: r.Amount,
				Problem: "QFPay's record does not match this order (" + foreign + "): it says " + string(st) + ", not taken as this sale's payment; the order is " + string(o.State) + " here — check it"})
		case remotePaid && o.State != store.StatePaid:
			out = append(out, Mismatch{OutTradeNo: o.OutTradeNo, SysSN: r.SysSN, Local: o.State, Remote: st, LocalAmount: o.Amount, RemoteAmount: r.Amount, Problem: "paid at QFPay but " + string(o.State) + " here"})
		case !remotePaid && o.State == store.StatePaid:
			out = append(out, Mismatch{OutTradeNo: o.OutTradeNo, SysSN: r.SysSN, Local: o.State, Remote: st, LocalAmount: o.Amount, RemoteAmount: r.Amount, Problem: "paid here but " + string(st) + " at QFPay"})
		case attempt != "":
			out = append(out, Mismatch{OutTradeNo: o.OutTradeNo, SysSN: r.SysSN, Local: o.State, Remote: st, LocalAmount: o.Amount, RemoteAmount: r.Amount, Problem: attempt})
		}
	}
	for _, o := range local {
		if seen[o.OutTradeNo] || o.CreatedAt.Before(from) || !o.CreatedAt.Before(to) {
			continue
		}
		if o.State == store.StatePaid {
			out = append(out, Mismatch{OutTradeNo: o.OutTradeNo, SysSN: o.SysSN, Local: o.State, LocalAmount: o.Amount, Problem: "paid here, no record at QFPay"})
		} else if !o.State.Final() {
			out = append(out, Mismatch{OutTradeNo: o.OutTradeNo, SysSN: o.SysSN, Local: o.State, LocalAmount: o.Amount, Problem: "not settled here, no record at QFPay"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OutTradeNo < out[j].OutTradeNo })
	return out, nil
}

// DayBounds is the merchant's day containing t: [midnight, next midnight)
// in loc.
func DayBounds(t time.Time, loc *time.Location) (from, to time.Time) {
	t = t.In(loc)
	from = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 0, 1)
}

// Refund errors.
var (
	ErrNotRefundable = errors.New("this order cannot be refunded")
	ErrRefundTooMuch = errors.New("refund larger than what is left to refund")
)

// Refund refunds amount (minor units; 0 = everything left) of a paid
// order, with a fresh out_trade_no saved before the request is sent. The
// refund is done when QFPay says 0000; an unknown answer is queried, never
// sent again.
func (e *Engine) Refund(ctx context.Context, outTradeNo string, amount int64) (store.Refund, error) {
	var ref store.Refund
	now := e.s.Clock.Now()
	o, err := e.st.Update(outTradeNo, func(o *store.Order) error {
		if o.State != store.StatePaid || o.SysSN == "" {
			return fmt.Errorf("%w: it is %s", ErrNotRefundable, o.State)
		}
		left := o.Amount
		for _, r := range o.Refunds {
			if r.State != store.RefundFailed {
				left -= r.Amount
			}
		}
		if amount == 0 {
			amount = left
		}
		if amount <= 0 || amount > left {
			return fmt.Errorf("%w: %s left", ErrRefundTooMuch, e.s.Currency.Format(left))
		}
		ref = store.Refund{
			OutTradeNo: store.NewOutTradeNo(e.s.OrderPrefix + "R"),
			Amount:     amount,
			TxDtm:      now.In(e.s.QFPayZone).Format(payment.TimeLayout),
			State:      store.RefundCreating,
			CreatedAt:  now.UTC(),
		}
		o.Refunds = append(o.Refunds, ref)
		return nil
	})
	if err != nil {
		return ref, err
	}
	var resp *payment.RefundResponse
	rerr := e.spend(ctx)
	if rerr != nil {
		rerr = &payment.Error{Op: "refund", Err: rerr} // not sent: unknown, and queried
	} else {
		resp, rerr = e.gw.Refund(ctx, payment.RefundRequest{SysSN: o.SysSN, OutTradeNo: ref.OutTradeNo, Amount: ref.Amount, Time: now, UDID: e.s.UDID})
	}
	var perr *payment.Error
	switch {
	case rerr == nil:
		ref.State, ref.SysSN, ref.RespCd = store.RefundDone, resp.SysSN, resp.RespCd
	case errors.As(rerr, &perr) && !perr.Unknown():
		ref.State, ref.RespCd, ref.RespMsg = store.RefundFailed, perr.RespCd, perr.RespErr
	default:
		ref.State = store.RefundUnknown
		if perr != nil {
			ref.RespCd, ref.RespMsg = perr.RespCd, perr.RespErr
		}
	}
	if ref.State == store.RefundUnknown {
		for tries := 0; tries < 5 && ref.State == store.RefundUnknown; tries++ {
			if err := e.wait(ctx, e.s.Poll.Fast*time.Duration(tries+1)); err != nil {
				break
			}
			rec, found, err := e.query(ctx, refundLookup(o, ref))
			if err != nil || !found {
				continue
			}
			if !e.refundOurs(o, ref, rec) {
				break // not this refund's record: it stays unknown
			}
			switch rec.Status() {
			case payment.StatusPending:
			default:
				if rec.RespCd == payment.RespOK {
					ref.State = store.RefundDone
				} else {
					ref.State = store.RefundFailed
				}
				ref.SysSN, ref.RespCd, ref.RespMsg = rec.SysSN, rec.RespCd, rec.ErrMsg
			}
		}
	}
	if _, err := e.st.Update(outTradeNo, func(o *store.Order) error {
		for i := range o.Refunds {
			if o.Refunds[i].OutTradeNo == ref.OutTradeNo {
				o.Refunds[i] = ref
			}
		}
		return nil
	}); err != nil {
		return ref, err
	}
	switch ref.State {
	case store.RefundDone:
		return ref, nil
	case store.RefundFailed:
		return ref, fmt.Errorf("refund refused by QFPay: %w", rerr)
	}
	return ref, fmt.Errorf("refund outcome unknown (qfpos reconcile will settle it): %w", rerr)
}
