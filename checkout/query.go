package checkout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

// How queries are scoped (see the package doc).
const (
	// rangeMargin widens the time range of a query on both sides: for the
	// difference between this device's clock and QFPay's, and for times
	// read in another zone than they were written in (zones are at most 26
	// hours apart). The range only keeps QFPay from its this-month default;
	// the order is found by its out_trade_no, so a wide range costs nothing
	// and a narrow one could hide a payment.
	rangeMargin = 27 * time.Hour
	// maxQuerySpan bounds the time range of one query: QFPay answers for
	// at most one calendar month, and 27 days is less than any calendar
	// month in any zone, whatever zone the client writes the times in.
	maxQuerySpan = 27 * 24 * time.Hour
	// queryLead is how far past now end_time may reach: QFPay dates no
	// record in the future, and its docs say nothing of an end_time
	// ahead of its clock, so a range never reaches further than clock
	// skew needs.
	queryLead = 10 * time.Minute
)

// lookup is one order or refund a query asks QFPay about: the numbers it
// is found by, what its record must say (see problem), and when QFPay
// may have dated it (sysdtm).
type lookup struct {
	no       string // out_trade_no
	syssn    string // QFPay's number, once known
	amount   int64
	currency string
	payType  string // "" for a refund (not checked)
	refund   bool
	from, to time.Time // the record's sysdtm is in [from, to] (give or take rangeMargin); zero: unknown
}

// orderLookup is the lookup of order o: created at CreatedAt, payable
// until ExpiresAt, and perhaps paid within the grace after it.
func (e *Engine) orderLookup(o *store.Order) lookup {
	to := o.ExpiresAt
	if to.Before(o.CreatedAt) {
		to = o.CreatedAt
	}
	payType := o.PayType
	if payType == "" {
		payType = payment.PayTypeWeChatQR // orders saved before pay types were stored
	}
	l := lookup{no: o.OutTradeNo, syssn: o.SysSN, amount: o.Amount, currency: o.Currency, payType: payType}
	if !o.CreatedAt.IsZero() {
		l.from, l.to = o.CreatedAt, to.Add(e.s.Grace)
	}
	return l
}

// refundLookup is the lookup of refund r of order o, sent right after it
// was saved at r.CreatedAt.
func refundLookup(o *store.Order, r store.Refund) lookup {
	return lookup{no: r.OutTradeNo, syssn: r.SysSN, amount: r.Amount, currency: o.Currency, refund: true, from: r.CreatedAt, to: r.CreatedAt}
}

// queryRequest is the query for ls: by syssn when every one of them has
// one (QFPay then ignores the time range), else by out_trade_no within a
// time range around their lives — never without one, since QFPay's
// default is the current month only and an order made before midnight on
// the last day of a month would not be found after it. The range ends no
// later than queryLead past now (zero now: no such bound).
func queryRequest(ls []lookup, now time.Time) payment.QueryRequest {
	var req payment.QueryRequest
	bySysSN := true
	var from, to time.Time
	for _, l := range ls {
		req.OutTradeNo = append(req.OutTradeNo, l.no)
		req.SysSN = append(req.SysSN, l.syssn)
		bySysSN = bySysSN && l.syssn != ""
		if l.from.IsZero() {
			continue
		}
		if from.IsZero() || l.from.Before(from) {
			from = l.from
		}
		if l.to.After(to) {
			to = l.to
		}
	}
	if !bySysSN {
		req.SysSN = nil
	}
	if !from.IsZero() {
		req.Start, req.End = from.Add(-rangeMargin), to.Add(rangeMargin)
		if req.End.Sub(req.Start) > maxQuerySpan { // never for the orders of one sale
			req.End = req.Start.Add(maxQuerySpan)
		}
		if lead := now.Add(queryLead); !now.IsZero() && req.End.After(lead) && lead.After(req.Start) {
			req.End = lead
		}
	}
	if len(ls) > 1 {
		req.PageSize = payment.MaxPageSize
	}
	return req
}

// query asks QFPay about one order or refund (see queryMany). found is
// false when QFPay has no record of it (yet).
func (e *Engine) query(ctx context.Context, l lookup) (rec payment.Record, found bool, err error) {
	recs, _, err := e.queryMany(ctx, []lookup{l})
	rec, found = recs[l.no]
	return rec, found, err
}

// maxQueryPages bounds the pages one queryMany reads: a query for n
// orders returns about n payment records (refunds have numbers of their
// own), so a second page is rare and a tenth never needed.
const maxQueryPages = 10

// queryMany asks QFPay about orders (at most payment.MaxPageSize) in one
// query, within the engine's share of the merchant's rate limit, and
// returns the record of each that QFPay has, by out_trade_no: its payment
// record, or for a refund (looked up by its own number) the refund
// record; and QFPay's clock when it answered (zero when unknown). A full
// page is followed by the next. A record is returned as QFPay gave it:
// check it with problem before taking it as the order's.
func (e *Engine) queryMany(ctx context.Context, ls []lookup) (map[string]payment.Record, time.Time, error) {
	req := queryRequest(ls, e.s.Clock.Now())
	want := make(map[string]bool, len(ls))
	for _, l := range ls {
		want[l.no] = true
	}
	isPayment := func(r payment.Record) bool { return r.OrderType == "" || r.OrderType == "payment" }
	out := make(map[string]payment.Record, len(ls))
	var date time.Time
	for page := 1; page <= maxQueryPages; page++ {
		if err := e.spend(ctx); err != nil {
			return nil, date, err
		}
		if page > 1 {
			req.Page = page
		}
		resp, err := e.gw.Query(ctx, req)
		if err != nil {
			return nil, date, err
		}
		if date.IsZero() {
			date = resp.Date
		}
		for _, r := range resp.Records {
			if prev, ok := out[r.OutTradeNo]; !want[r.OutTradeNo] || ok && (isPayment(prev) || !isPayment(r)) {
				continue // not asked for, or the first payment record (else the first record) is kept
			}
			out[r.OutTradeNo] = r
		}
		if req.PageSize == 0 || len(resp.Records) < req.PageSize {
			return out, date, nil
		}
	}
	// Still full pages: what is on the next is unknown, and an order it
	// holds must not count as "not found".
	return nil, date, fmt.Errorf("checkout: QFPay's answer for %d orders runs past %d pages", len(ls), maxQueryPages)
}

// batches splits ls into queries of at most payment.MaxPageSize orders
// each, in order of creation, each spanning little enough time that its
// range (see queryRequest) holds all of them. Lookups without a time go
// last, by themselves.
func batches(ls []lookup) [][]lookup {
	ls = slices.Clone(ls)
	slices.SortStableFunc(ls, func(a, b lookup) int {
		switch {
		case a.from.IsZero() != b.from.IsZero():
			if a.from.IsZero() {
				return 1
			}
			return -1
		}
		return a.from.Compare(b.from)
	})
	var out [][]lookup
	var cur []lookup
	var first time.Time
	for _, l := range ls {
		if len(cur) > 0 {
			full := len(cur) == payment.MaxPageSize
			tooLong := !l.from.IsZero() && l.to.Sub(first) > maxQuerySpan-2*rangeMargin
			if full || tooLong || l.from.IsZero() != first.IsZero() {
				out = append(out, cur)
				cur = nil
			}
		}
		if len(cur) == 0 {
			first = l.from
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// said is what one query said of one order.
type said struct {
	rec   payment.Record
	found bool
	date  time.Time // QFPay's clock when it answered; zero when unknown
	err   error
}

// queryAll asks QFPay about every order of ls in as few queries as the
// page size allows (see batches), and returns what it said of each, by
// out_trade_no.
//
// §4 types out_trade_no and syssn as String(128) although it documents
// comma-separated lists: should QFPay refuse a long list (a definitive
// error, not a lost answer), the batch is asked again in halves, down to
// one order a query.
func (e *Engine) queryAll(ctx context.Context, ls []lookup) map[string]said {
	out := make(map[string]said, len(ls))
	var ask func(b []lookup)
	ask = func(b []lookup) {
		recs, date, err := e.queryMany(ctx, b)
		var perr *payment.Error
		if len(b) > 1 && errors.As(err, &perr) && !perr.Unknown() && ctx.Err() == nil {
			e.s.Logger.Warn("QFPay refused a query for several orders; asking in halves", "orders", len(b), "err", err)
			ask(b[:len(b)/2])
			ask(b[len(b)/2:])
			return
		}
		for _, l := range b {
			rec, found := recs[l.no]
			out[l.no] = said{rec: rec, found: found, date: date, err: err}
		}
	}
	for _, b := range batches(ls) {
		ask(b)
	}
	return out
}

// problem says how QFPay's record r (of a query or a notification)
// differs from what l expects: "" when its out_trade_no, txamt, txcurrcd
// and, for a payment, pay_type are l's. A record with a problem is not
// the payment (or refund) of l, whatever its respcd says. It is the one
// check of records and notifications.
func (l lookup) problem(r payment.Record) string {
	var diffs []string
	if r.OutTradeNo != l.no {
		diffs = append(diffs, fmt.Sprintf("out_trade_no %q, not %q", r.OutTradeNo, l.no))
	}
	if r.Amount != l.amount {
		diffs = append(diffs, fmt.Sprintf("txamt %d, not %d", r.Amount, l.amount))
	}
	if r.Currency != l.currency {
		diffs = append(diffs, fmt.Sprintf("txcurrcd %q, not %q", r.Currency, l.currency))
	}
	if !l.refund && r.PayType != l.payType {
		diffs = append(diffs, fmt.Sprintf("pay_type %q, not %q", r.PayType, l.payType))
	}
	return strings.Join(diffs, ", ")
}

// foreignCause starts the history entry of an order QFPay's record of
// which does not match it.
const foreignCause = "QFPay's record does not match this order, not taken as its outcome: "

// ours checks that rec, what QFPay says of order o, is o's own record.
// When it is not, the mismatch is logged at error level and added to o's
// history (once), and o, unless final already, is left unknown — for
// people to check; qfpos reconcile lists it. ours then returns o as
// stored now and false.
func (e *Engine) ours(o *store.Order, rec payment.Record) (*store.Order, bool) {
	why := e.orderLookup(o).problem(rec)
	if why == "" {
		return o, true
	}
	e.s.Logger.Error("QFPay's record does not match the order: it is not this sale's payment; check it",
		"out_trade_no", o.OutTradeNo, "syssn", rec.SysSN, "respcd", rec.RespCd, "problem", why)
	o2, err := e.note(o.OutTradeNo, foreignCause+why, rec.RespCd)
	if err != nil {
		e.s.Logger.Error("cannot record the mismatch", "out_trade_no", o.OutTradeNo, "err", err)
		return o, false
	}
	return o2, false
}

// note adds cause to the history of order no unless it is there already,
// moving it to unknown unless it is final.
func (e *Engine) note(no, cause, respcd string) (*store.Order, error) {
	now := e.s.Clock.Now()
	return e.st.Update(no, func(o *store.Order) error {
		for _, h := range o.History {
			if h.Cause == cause {
				return nil
			}
		}
		if o.State.Final() || o.State == store.StateUnknown {
			o.History = append(o.History, store.Change{At: now.UTC(), From: o.State, To: o.State, Cause: cause, RespCd: respcd})
			return nil
		}
		o.SetState(store.StateUnknown, now, cause, respcd)
		return nil
	})
}

// refundOurs checks that rec, what QFPay says of refund r of order o, is
// r's own record. When it is not, the mismatch is logged at error level
// and added to o's history (once), r is left unknown (never done on it),
// and refundOurs returns false.
func (e *Engine) refundOurs(o *store.Order, r store.Refund, rec payment.Record) bool {
	why := refundLookup(o, r).problem(rec)
	if why == "" {
		return true
	}
	e.s.Logger.Error("QFPay's record of a refund does not match it: it is not this refund; check it",
		"out_trade_no", o.OutTradeNo, "refund", r.OutTradeNo, "syssn", rec.SysSN, "respcd", rec.RespCd, "problem", why)
	cause := "refund " + r.OutTradeNo + ": " + foreignCause + why
	now := e.s.Clock.Now()
	_, err := e.st.Update(o.OutTradeNo, func(o *store.Order) error {
		for i := range o.Refunds {
			if o.Refunds[i].OutTradeNo == r.OutTradeNo && o.Refunds[i].State == store.RefundCreating {
				o.Refunds[i].State = store.RefundUnknown
			}
		}
		for _, h := range o.History {
			if h.Cause == cause {
				return nil
			}
		}
		o.History = append(o.History, store.Change{At: now.UTC(), From: o.State, To: o.State, Cause: cause, RespCd: rec.RespCd})
		return nil
	})
	if err != nil {
		e.s.Logger.Error("cannot record the mismatch", "out_trade_no", o.OutTradeNo, "refund", r.OutTradeNo, "err", err)
	}
	return false
}
