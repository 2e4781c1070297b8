package checkout

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

// Request is one sale to run.
type Request struct {
	Amount    int64  // txamt in minor units of the engine's currency
	GoodsName string // "" = the engine's default
	// Timeout is how long to wait for the customer before cancelling;
	// 0 = until the QR expires.
	Timeout time.Duration
	// MaxAttempts is how many fresh orders a sale may open when QFPay
	// created one but returned no QR (default 2). Never two payable QRs.
	MaxAttempts int
}

// Event is the progress of a sale, as the GUI and the CLI show it.
type Event struct {
	OutTradeNo string
	State      store.State
	Amount     int64
	Currency   string
	QRCode     string        // set once QFPay returned it
	ExpiresAt  time.Time     // when the QR stops being payable
	TimeLeft   time.Duration // until ExpiresAt
	RespCd     string        // the last code QFPay answered
	Message    string        // what is going on, for people
	Checking   bool          // a query is under way
	Trouble    error         // the last call failed (network, 5xx, 429…); still checking
	Final      bool          // the sale is over; State is its result
	// PaidOutTradeNo is, in the final event of a sale paid in WeChat's
	// browser, the JSAPI attempt (800207) that was paid (see jsapi.go).
	PaidOutTradeNo string
}

// Sale is one running sale. Its events arrive on Events until Final; Wait
// returns the final event.
type Sale struct {
	e      *Engine
	req    Request
	events chan Event
	done   chan struct{}
	cancel chan struct{}
	once   sync.Once
	final  Event

	mu       sync.Mutex
	current  *store.Order
	watchers []func(Event) // Watch
	last     *Event        // the last event emitted, for a new watcher

	jsapi jsapiSale // its WeChat JSAPI attempts (jsapi.go)
}

// ErrBusy is returned when a sale is started while the store cannot be
// written.
var ErrBusy = errors.New("the order file cannot be written")

// Start validates the request, saves the order (fsynced) and starts the
// sale in the background. An invalid amount returns ErrInvalidAmount with
// nothing stored or sent. ctx bounds the whole sale: when it ends, the sale
// is cancelled as if the cashier had pressed Cancel (close, then verify).
func (e *Engine) Start(ctx context.Context, req Request) (*Sale, error) {
	if err := e.validTxamt(req.Amount); err != nil {
		return nil, err
	}
	if req.GoodsName == "" {
		req.GoodsName = e.s.GoodsName
	}
	if req.MaxAttempts <= 0 {
		req.MaxAttempts = 2
	}
	s := &Sale{e: e, req: req, events: make(chan Event, 64), done: make(chan struct{}), cancel: make(chan struct{})}
	o, err := e.newOrder(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBusy, err)
	}
	s.current = o
	go s.run(ctx, o)
	return s, nil
}

// newOrder saves a fresh order in state creating, durably, before anything
// is sent to QFPay.
func (e *Engine) newOrder(req Request) (*store.Order, error) {
	now := e.s.Clock.Now()
	o := &store.Order{
		OutTradeNo: store.NewOutTradeNo(e.s.OrderPrefix),
		PayType:    payment.PayTypeWeChatQR,
		Amount:     req.Amount,
		Currency:   e.s.Currency.Code,
		GoodsName:  req.GoodsName,
		CreatedAt:  now.UTC(),
		TxDtm:      now.In(e.s.QFPayZone).Format(payment.TimeLayout),
		Zone:       e.s.QFPayZone.String(),
		ExpiresAt:  now.Add(e.s.Expiry).UTC(),
		State:      store.StateCreating,
	}
	if err := e.st.Create(o); err != nil {
		return nil, err
	}
	return o, nil
}

// Events delivers the sale's progress; it is closed after the final event.
// A slow reader may miss intermediate events, never the final one.
func (s *Sale) Events() <-chan Event { return s.events }

// Watch calls fn with the sale's last event at once (if it emitted one),
// then with every event after it, the final one included, in order. fn
// runs on the sale's goroutine with the sale locked: it must not block
// nor call the sale's methods. Unlike Events, which has one reader and
// may skip events, any number of watchers follow a sale and miss none.
func (s *Sale) Watch(fn func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, fn)
	if s.last != nil {
		fn(*s.last)
	}
}

// Cancel asks the sale to stop: the order is closed at QFPay and queried
// again; if it turned out paid, the sale ends paid.
func (s *Sale) Cancel() { s.once.Do(func() { close(s.cancel) }) }

// Wait blocks until the sale is over and returns its final event.
func (s *Sale) Wait() Event {
	<-s.done
	return s.final
}

// Done is closed when the sale is over.
func (s *Sale) Done() <-chan struct{} { return s.done }

// OutTradeNo is the order number the sale is on now.
func (s *Sale) OutTradeNo() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current.OutTradeNo
}

func (s *Sale) emit(ev Event) {
	o := s.order()
	ev.OutTradeNo, ev.Amount, ev.Currency = o.OutTradeNo, o.Amount, o.Currency
	if ev.State == "" {
		ev.State = o.State
	}
	if ev.QRCode == "" && o.State == store.StateAwaiting {
		ev.QRCode = o.QRCode
	}
	if !o.ExpiresAt.IsZero() {
		ev.ExpiresAt = o.ExpiresAt
		ev.TimeLeft = max(0, o.ExpiresAt.Sub(s.e.s.Clock.Now()))
	}
	if ev.RespCd == "" {
		ev.RespCd = o.RespCd
	}
	s.mu.Lock()
	s.last = &ev
	for _, fn := range s.watchers {
		fn(ev)
	}
	s.mu.Unlock()
	if ev.Final {
		s.final = ev
		s.events <- ev // room is kept for it: intermediate sends never fill the last slot
		return
	}
	if len(s.events) < cap(s.events)-1 {
		s.events <- ev
	}
}

func (s *Sale) order() *store.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

func (s *Sale) setOrder(o *store.Order) {
	if o == nil {
		return
	}
	s.mu.Lock()
	s.current = o
	s.mu.Unlock()
}

func (s *Sale) cancelled() bool {
	select {
	case <-s.cancel:
		return true
	default:
		return false
	}
}

// run is the whole sale: create, show, poll, settle.
func (s *Sale) run(ctx context.Context, o *store.Order) {
	defer close(s.done)
	defer close(s.events)
	e := s.e
	log := e.s.Logger.With("out_trade_no", o.OutTradeNo)

	// The customer's time: until the QR expires, or the request's timeout.
	deadline := o.ExpiresAt
	if s.req.Timeout > 0 && o.CreatedAt.Add(s.req.Timeout).Before(deadline) {
		deadline = o.CreatedAt.Add(s.req.Timeout)
	}
	// A context for QFPay calls that outlives ctx by the time a close and a
	// last query need, so that Ctrl-C still closes the order properly.
	work, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	go func() {
		select {
		case <-ctx.Done():
			s.Cancel()
		case <-s.done:
		}
	}()

	for attempt := 1; ; attempt++ {
		s.emit(Event{Message: "creating the payment"})
		next, ok := s.create(work, o)
		if ok {
			break
		}
		if next == nil || attempt >= s.req.MaxAttempts || s.cancelled() {
			s.finish()
			return
		}
		// The old order is closed and has no QR anyone saw: start afresh.
		fresh, err := e.newOrder(s.req)
		if err != nil {
			log.Error("cannot save a fresh order", "err", err)
			s.finish()
			return
		}
		log.Info("previous order had no QR; opened a fresh one", "new", fresh.OutTradeNo)
		o = fresh
		s.setOrder(o)
	}
	s.poll(work, deadline)
	s.endAttempts(work) // JSAPI: take no more; close those still open
	s.finish()
}

// finish emits the final event from the order as stored.
func (s *Sale) finish() {
	o := s.order()
	if fresh, err := s.e.st.Get(o.OutTradeNo); err == nil {
		s.setOrder(fresh)
		o = fresh
	}
	ev := Event{State: o.State, Final: true, RespCd: o.RespCd, Message: finalMessage(o.State)}
	if !o.State.Final() {
		ev.State = store.StateUnknown
	}
	s.jsapiFinal(&ev)              // JSAPI: a paid attempt makes the sale paid (jsapi.go)
	s.e.jsapi.remove(o.OutTradeNo) // only now: see endAttempts
	s.emit(ev)
}

func finalMessage(st store.State) string {
	switch st {
	case store.StatePaid:
		return "paid"
	case store.StateFailed:
		return "the payment failed"
	case store.StateExpired:
		return "the QR code expired unpaid"
	case store.StateCancelled:
		return "cancelled; the customer was not charged"
	}
	return "the outcome is not known yet: do not charge again; qfpos keeps checking (qfpos reconcile)"
}

// answer is what send recorded of QFPay's answer to a payment request.
type answer struct {
	order  *store.Order       // as recorded: awaiting, failed, unknown (or closed, see err)
	params *payment.PayParams // 800207: the pay_params QFPay returned
	err    error              // QFPay's error, or why a created order could not be recorded
}

// send sends the payment of a saved order o (state creating) and records
// QFPay's answer: awaiting with its QR (800201) or pay_params (800207),
// failed on a definitive refusal, or unknown — timed out, dropped, 5xx,
// 1143/1145/1298, or 0000 without anything to pay with — for the caller
// to resolve by query, never by sending o again. When QFPay created a
// payable order that cannot be recorded, it is closed and confirmed
// rather than shown.
func (e *Engine) send(ctx context.Context, o *store.Order, openid string) answer {
	created := o.CreatedAt // the instant txdtm was written for; TxDtm is what was stored, sent as is
	req := payment.PaymentRequest{
		PayType:    o.PayType,
		OutTradeNo: o.OutTradeNo,
		Amount:     o.Amount,
		Currency:   o.Currency,
		Time:       created,
		TxDtm:      o.TxDtm,
		GoodsName:  o.GoodsName,
		UDID:       e.s.UDID,
		SubOpenID:  openid,
	}
	if o.PayType == payment.PayTypeWeChatQR {
		req.ExpiredMinutes = int(e.s.Expiry / time.Minute) // documented for MPM pay types only (§2.2)
	}
	var resp *payment.PaymentResponse
	err := e.spend(ctx)
	if err == nil {
		resp, err = e.gw.CreatePayment(ctx, req)
	} else {
		err = &payment.Error{Op: "payment", Err: err} // never sent; unknown to the caller as any lost answer, and resolved by query
	}
	var qr, syssn string
	var params *payment.PayParams
	if resp != nil {
		qr, syssn, params = resp.QRCode, resp.SysSN, resp.PayParams
	}
	payable := qr != ""
	if o.PayType == payment.PayTypeWeChatJSAPI {
		payable = params != nil
	}
	now := e.s.Clock.Now()
	var perr *payment.Error
	errors.As(err, &perr)
	switch {
	case err == nil && payable:
		o2, uerr := e.st.Update(o.OutTradeNo, func(o *store.Order) error {
			if o.State.Final() {
				return errSettled
			}
			o.QRCode, o.SysSN, o.RespCd, o.RespMsg = qr, syssn, resp.RespCd, resp.RespErr
			o.SetState(store.StateAwaiting, now, "payment created", resp.RespCd)
			return nil
		})
		if uerr != nil {
			// QFPay has a payable order we could not record: never show it.
			e.s.Logger.Error("cannot record the created payment; closing it", "out_trade_no", o.OutTradeNo, "err", uerr)
			o3, _ := e.closeAndConfirm(ctx, o, store.StateCancelled, nil)
			return answer{order: cmp.Or(o3, o), err: fmt.Errorf("the payment could not be recorded: %w", uerr)}
		}
		return answer{order: o2, params: params}
	case perr != nil && !perr.Unknown():
		// A definitive refusal: nothing was created.
		o2, uerr := e.st.Update(o.OutTradeNo, func(o *store.Order) error {
			o.RespCd, o.RespMsg = perr.RespCd, perr.RespErr
			o.SetState(store.StateFailed, now, "payment refused: "+err.Error(), perr.RespCd)
			return nil
		})
		if uerr != nil {
			e.s.Logger.Error("cannot record the refusal", "out_trade_no", o.OutTradeNo, "err", uerr)
		}
		return answer{order: cmp.Or(o2, o), err: err}
	}
	cause := "payment answer unknown"
	if err != nil {
		cause += ": " + err.Error()
	} else {
		cause += ": nothing to pay with in the answer"
	}
	o2, uerr := e.st.Update(o.OutTradeNo, func(o *store.Order) error {
		if qr != "" {
			o.QRCode = qr
		}
		if syssn != "" {
			o.SysSN = syssn
		}
		if perr != nil {
			o.RespCd, o.RespMsg = perr.RespCd, perr.RespErr
		}
		o.SetState(store.StateUnknown, now, cause, o.RespCd)
		return nil
	})
	if uerr != nil {
		e.s.Logger.Error("cannot record the unknown answer", "out_trade_no", o.OutTradeNo, "err", uerr)
	}
	return answer{order: cmp.Or(o2, o), params: params, err: cmp.Or(err, errors.New("nothing to pay with in QFPay's answer"))}
}

// errSettled refuses to move an order settled meanwhile back to awaiting.
var errSettled = errors.New("order settled meanwhile")

// errForeign refuses to take a record that is not the order's (see ours).
var errForeign = errors.New("QFPay's record does not match the order")

// create sends the payment for o. ok means the order is awaiting payment
// with a QR (or already final). When QFPay has the order but gave no QR,
// create closes it and returns next != nil so run can open a fresh order;
// when the outcome stays unknown or is final, next is nil.
func (s *Sale) create(ctx context.Context, o *store.Order) (next *store.Order, ok bool) {
	e := s.e
	a := e.send(ctx, o, "")
	s.setOrder(a.order)
	switch a.order.State {
	case store.StateAwaiting:
		s.showQR(a.order) // JSAPI: takes 800207 attempts from now on (jsapi.go)
		return nil, true
	case store.StateUnknown:
	default: // refused, or created but not recordable (closed)
		return nil, a.order.State == store.StatePaid
	}
	s.emit(Event{Message: "QFPay's answer is not known yet: checking", Trouble: a.err})

	// Ask QFPay — never send this out_trade_no again.
	for tries := 0; ; tries++ {
		if s.cancelled() {
			s.closeAndConfirm(ctx, s.order(), store.StateCancelled)
			return nil, false
		}
		if !e.s.Clock.Now().Before(s.order().ExpiresAt.Add(e.s.Grace)) {
			s.closeAndConfirm(ctx, s.order(), store.StateExpired)
			return nil, false
		}
		if err := e.wait(ctx, jitter(e.s.Poll.Fast*time.Duration(min(tries+1, 4)), e.s.Poll.Jitter)); err != nil {
			return nil, false
		}
		s.emit(Event{Checking: true, Message: "checking with QFPay"})
		rec, found, qerr := e.query(ctx, e.orderLookup(s.order()))
		if qerr != nil {
			s.emit(Event{Trouble: qerr, Message: "network trouble: still checking"})
			continue
		}
		if !found {
			if tries < 3 {
				continue // QFPay may not show a fresh order at once
			}
			// QFPay has no such order: it never reached QFPay, and no QR
			// was ever shown. Close it anyway so it can never become
			// payable, and start afresh.
			s.closeAndConfirm(ctx, s.order(), store.StateFailed)
			if s.order().State == store.StatePaid {
				return nil, true
			}
			return s.order(), false
		}
		if o3, ok := e.ours(s.order(), rec); !ok {
			s.setOrder(o3) // not this order's record: unknown, and nothing closed or shown
			return nil, false
		}
		st := rec.Status()
		if to := outcome(st, false); to != "" {
			o3, _ := e.settle(s.order(), to, "query after unknown create: "+string(st), &rec)
			s.setOrder(o3)
			return nil, to == store.StatePaid
		}
		// Pending at QFPay. A QR that came in the answer for this very
		// out_trade_no is its own: show it.
		if cur := s.order(); cur.QRCode != "" {
			o3, err := e.await(cur.OutTradeNo, rec, "query: order exists, pending")
			if err != nil {
				return nil, false
			}
			s.setOrder(o3)
			s.showQR(o3) // JSAPI: takes 800207 attempts from now on (jsapi.go)
			return nil, true
		}
		// QFPay has the order but we have no QR to show: close it, confirm,
		// and open a fresh one — never two payable QRs for one sale.
		s.closeAndConfirm(ctx, s.order(), store.StateCancelled)
		if s.order().State == store.StatePaid {
			return nil, true
		}
		if s.order().State.Final() {
			return s.order(), false
		}
		return nil, false
	}
}

// await records that QFPay has order no pending payment, as a query said.
// A record that is not the order's is refused with errForeign, and
// recorded as ours does.
func (e *Engine) await(no string, rec payment.Record, cause string) (*store.Order, error) {
	o2, err := e.st.Update(no, func(o *store.Order) error {
		if o.State.Final() {
			return errSettled
		}
		if e.orderLookup(o).problem(rec) != "" {
			return errForeign
		}
		if rec.SysSN != "" {
			o.SysSN = rec.SysSN
		}
		o.RespCd, o.RespMsg = rec.RespCd, rec.ErrMsg
		o.SetState(store.StateAwaiting, e.s.Clock.Now(), cause, rec.RespCd)
		return nil
	})
	if errors.Is(err, errForeign) {
		if cur, gerr := e.st.Get(no); gerr == nil {
			e.ours(cur, rec)
		}
	}
	return o2, err
}

// poll watches an awaiting order until it is final, the customer's time
// runs out, or the cashier cancels.
func (s *Sale) poll(ctx context.Context, deadline time.Time) {
	e := s.e
	o := s.order()
	if o.State.Final() {
		return
	}
	defer e.notify.forget(o.OutTradeNo)
	sched := schedule{p: e.s.Poll, start: e.s.Clock.Now()}
	backoff := time.Duration(0)
	for {
		// The order as stored decides first: a verified notification or a
		// JSAPI result page may have settled it while a query was in flight.
		if cur, err := e.st.Get(o.OutTradeNo); err == nil && cur.State.Final() {
			s.setOrder(cur)
			return
		}
		if s.cancelled() {
			s.closeAndConfirm(ctx, s.order(), store.StateCancelled)
			return
		}
		now := e.s.Clock.Now()
		if !now.Before(deadline) {
			final := store.StateExpired
			if deadline.Before(s.order().ExpiresAt) {
				final = store.StateCancelled // the caller's timeout, not QFPay's expiry
			}
			s.closeAndConfirm(ctx, s.order(), final)
			return
		}
		due := sched.next(now)
		if b := now.Add(backoff); b.After(due) {
			due = b
		}
		interval := min(due.Sub(now), deadline.Sub(now))
		select {
		case <-s.cancel:
			continue
		case <-e.notify.wait(o.OutTradeNo):
			// A verified notification arrived: query at once.
		case <-e.jsapi.woken(o.OutTradeNo):
			// A JSAPI attempt was settled by its result page (jsapi.go).
		case <-e.s.Clock.After(interval):
		}
		if cur, err := e.st.Get(o.OutTradeNo); err == nil && cur.State.Final() {
			s.setOrder(cur) // settled meanwhile by a verified notification
			return
		}
		s.emit(Event{Checking: true, Message: "waiting for the customer to scan"})
		// One query for the order and its JSAPI attempts; done: an attempt was paid (jsapi.go).
		rec, found, done, err := s.queryWithAttempts(ctx, s.order())
		if done {
			return
		}
		if err != nil {
			var perr *payment.Error
			if errors.As(err, &perr) && (perr.HTTPStatus == 429 || perr.HTTPStatus >= 500) {
				backoff = min(max(2*backoff, 2*e.s.Poll.Fast), e.s.Poll.MaxBackoff)
			}
			s.emit(Event{Trouble: err, Message: "network trouble: still checking"})
			continue
		}
		backoff = 0
		if !found {
			continue
		}
		if o2, ok := e.ours(s.order(), rec); !ok {
			s.setOrder(o2) // not this order's record: unknown, and not closed
			return
		}
		st := rec.Status()
		if to := outcome(st, false); to != "" {
			o2, _ := e.settle(s.order(), to, "query: "+string(st), &rec)
			s.setOrder(o2)
			return
		}
		if rec.RespCd != o.RespCd {
			o2, _ := e.st.Update(o.OutTradeNo, func(o *store.Order) error {
				if !o.State.Final() { // a pending answer says nothing of an order settled meanwhile
					o.RespCd, o.RespMsg = rec.RespCd, rec.ErrMsg
				}
				return nil
			})
			s.setOrder(o2)
			o = o2
		}
		s.emit(Event{Message: "waiting for the customer to scan"})
	}
}

// closeAndConfirm closes o at QFPay and queries it again until QFPay says
// what became of it; a payment that landed meanwhile is paid. final is the
// state for an order confirmed unpaid (cancelled, expired, or failed for
// an order QFPay never had). While QFPay cannot be reached the order stays
// unknown, for Recover to settle.
func (s *Sale) closeAndConfirm(ctx context.Context, o *store.Order, final store.State) {
	o2, err := s.e.closeAndConfirm(ctx, o, final, func(msg string, trouble error) {
		s.emit(Event{Message: msg, Trouble: trouble, Checking: true})
	})
	if err == nil || o2 != nil {
		s.setOrder(o2)
	}
}

// closeAndConfirm is the cancel procedure shared by sales and Recover.
func (e *Engine) closeAndConfirm(ctx context.Context, o *store.Order, final store.State, progress func(string, error)) (*store.Order, error) {
	if progress == nil {
		progress = func(string, error) {}
	}
	cause := map[store.State]string{
		store.StateCancelled: "cancelled and closed at QFPay",
		store.StateExpired:   "expired and closed at QFPay",
		store.StateFailed:    "never created at QFPay; closed to be sure",
	}[final]
	created := o.CreatedAt
	closeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// sendClose closes the order at QFPay unless the file says it is paid.
	sendClose := func() (paid *store.Order, cerr error) {
		cur, ok, err := e.closable(o.OutTradeNo)
		switch {
		case err != nil:
			// It may be stored paid by now: no close on a guess. The
			// queries below decide, or the order stays unknown.
			e.s.Logger.Error("cannot re-read the order before closing it: not closed", "out_trade_no", o.OutTradeNo, "err", err)
			return nil, fmt.Errorf("checkout: order not re-read before the close: %w", err)
		case !ok:
			e.s.Logger.Info("not closed: the order is paid", "out_trade_no", o.OutTradeNo)
			return cur, nil
		default:
			o = cur
		}
		if cerr = e.spend(closeCtx); cerr != nil {
			return nil, cerr
		}
		_, cerr = e.gw.Cancel(closeCtx, payment.CancelRequest{OutTradeNo: o.OutTradeNo, SysSN: o.SysSN, Amount: o.Amount, Time: created, TxDtm: o.TxDtm, UDID: e.s.UDID})
		if cerr != nil {
			e.s.Logger.Info("close answered", "out_trade_no", o.OutTradeNo, "err", cerr)
		}
		return nil, cerr
	}
	progress("closing the order at QFPay", nil)
	paid, cerr := sendClose()
	if paid != nil {
		return paid, nil
	}
	// Whatever close answered, QFPay's record decides.
	var last error
	for tries := 0; tries < 8; tries++ {
		if tries > 0 {
			if err := e.wait(ctx, jitter(e.s.Poll.Fast*time.Duration(tries), e.s.Poll.Jitter)); err != nil {
				break
			}
		}
		rec, found, err := e.query(ctx, e.orderLookup(o))
		if err != nil {
			last = err
			progress("network trouble: still checking", err)
			continue
		}
		if !found {
			if final == store.StateFailed || (cerr == nil && tries >= 2) || tries >= 3 {
				// QFPay has no such order: nothing can be paid.
				return e.settle(o, final, cause+" (QFPay has no record of it)", nil)
			}
			continue
		}
		if o2, ok := e.ours(o, rec); !ok {
			return o2, nil // not this order's record: unknown
		}
		st := rec.Status()
		to := outcome(st, final == store.StateCancelled)
		switch {
		case to == store.StatePaid:
			return e.settle(o, store.StatePaid, "paid before the close took effect", &rec)
		case to == store.StateFailed:
			return e.settle(o, store.StateFailed, "query after close: failed", &rec)
		case to != "":
			return e.settle(o, final, cause, &rec)
		}
		// Still pending: the close has not taken effect yet.
		if tries == 3 && cerr != nil {
			if paid, cerr = sendClose(); paid != nil {
				return paid, nil
			}
		}
	}
	// Undecided: unknown, for Recover.
	cur, err := e.st.Get(o.OutTradeNo)
	if err != nil {
		return nil, err
	}
	if cur.State.Final() {
		return cur, nil
	}
	msg := "close not confirmed"
	if last != nil {
		msg += ": " + last.Error()
	}
	return e.settleUnknown(cur, msg)
}

// errPaid and errReadOnly end the read-only Update of closable.
var (
	errPaid     = errors.New("the order is paid")
	errReadOnly = errors.New("read only")
)

// closable re-reads order no under the store's write lock, right before a
// close is sent, and reports whether it may be closed: never when the
// file says it is paid — a verified notification or a JSAPI result page
// may have stored it paid while a query was in flight — as closing a paid
// 800201 order can revoke its payment (qfpay-api.md §5.1). It returns the
// order as stored.
func (e *Engine) closable(no string) (*store.Order, bool, error) {
	var cur store.Order
	_, err := e.st.Update(no, func(o *store.Order) error {
		cur = *o
		if o.State == store.StatePaid {
			return errPaid
		}
		return errReadOnly // nothing is written
	})
	switch {
	case errors.Is(err, errPaid):
		return &cur, false, nil
	case errors.Is(err, errReadOnly):
		return &cur, true, nil
	}
	return nil, false, err
}

func (e *Engine) settleUnknown(o *store.Order, cause string) (*store.Order, error) {
	return e.st.Update(o.OutTradeNo, func(o *store.Order) error {
		if !o.State.Final() {
			o.SetState(store.StateUnknown, e.s.Clock.Now(), cause, o.RespCd)
		}
		return nil
	})
}
