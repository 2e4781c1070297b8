package checkout

// WeChat JSAPI (pay_type 800207) attempts.
//
// A JSAPI sale is an ordinary 800201 sale whose customer may, instead of
// scanning the QR with WeChat's scanner, open the shop's JSAPI page in
// WeChat's browser and pay there (qfpay-api.md §10; package jsapi serves
// the pages). Every such try is an attempt: an order of its own, with pay
// type 800207, a fresh out_trade_no and Parent = the sale's 800201 order,
// saved (fsynced) before QFPay is asked for it. The running Sale of the
// parent watches its attempts: one query per tick asks for the 800201
// order and every open attempt at once; when an attempt is paid the sale
// closes and confirms the 800201 order (unless the same query says it is
// paid too: then the sale was paid twice) and the other attempts, and
// ends paid with Event.PaidOutTradeNo naming the attempt. When the sale
// ends any other way, its open attempts are closed and confirmed too; one
// whose close cannot be confirmed makes the sale end unknown. An attempt
// found paid after its sale ended is logged, noted on the 800201 order
// and reported by Reconcile.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

const (
	// maxAttemptsPerSale bounds the 800207 orders one sale may open: every
	// reload of the page in WeChat is a new attempt.
	maxAttemptsPerSale = 20
	// maxNotesPerSale bounds the failed tries NoteAttempt records.
	maxNotesPerSale = 20
	// checkEvery is how often CheckAttempt asks QFPay about one attempt.
	// Within it of its own last query (a result page reloaded over and
	// over) it returns the stored state; within it of its sale's query,
	// the state the sale's next query records, without a query of its own.
	checkEvery = time.Second
	// saleAnswerWait bounds how long CheckAttempt waits for the next
	// query of the sale (its poll interval, within the request budget).
	saleAnswerWait = 5 * time.Second
	// unknownQueries is how often StartAttempt asks QFPay after an unknown
	// answer before it gives up and leaves the attempt to the sale.
	unknownQueries = 3
	// maxSignInsPerSale bounds the WeChat sign-ins one sale takes: OAuth
	// codes exchanged for an openid (each exchange is a QFPay request), or
	// signed openids from the merchant's OAuth page. Each is remembered
	// until the sale ends, to refuse its replay; beyond it, sign-ins are
	// refused and neither remembered nor sent anywhere.
	maxSignInsPerSale = 10
	// signInYield is how long an openid exchange yields to running sales
	// within the engine's request budget (it takes a request only while
	// the bucket holds more than one, as recovery does) before it queues
	// as a live request: a customer is waiting for it too.
	signInYield = time.Second
)

// Errors of the JSAPI calls; the page server tells the customer which.
var (
	// ErrNotOpen: the sale is not running in this engine, not awaiting
	// payment, past its expiry, or has had too many attempts.
	ErrNotOpen = errors.New("this sale is not open for WeChat payment")
	// ErrNotAttempt: the order is not a JSAPI attempt.
	ErrNotAttempt = errors.New("not a WeChat JSAPI payment")
	// ErrAttemptRefused: QFPay refused the 800207 payment with a definitive
	// code; nothing can be paid. The attempt is stored failed.
	ErrAttemptRefused = errors.New("QFPay refused the payment")
	// ErrAttemptUnknown: QFPay's answer to the 800207 payment is not known
	// and no pay_params can be trusted, so none are returned and nobody can
	// pay the attempt. It is stored unknown; the sale settles it.
	ErrAttemptUnknown = errors.New("QFPay's answer to the payment is not known")
	// ErrSignInUsed: the sign-in (an OAuth code, or a signed openid) was
	// used for this sale already; it is not used again.
	ErrSignInUsed = errors.New("this WeChat sign-in was used already")
	// ErrTooManySignIns: the sale has taken maxSignInsPerSale sign-ins.
	ErrTooManySignIns = errors.New("too many WeChat sign-ins for this sale")
	// ErrSignInBusy: another openid exchange of the same sale is under
	// way; the sign-in was not used and may be tried again.
	ErrSignInBusy = errors.New("another WeChat sign-in for this sale is being checked")
)

// attempts is the engine's registry of running sales that take JSAPI
// attempts, with their attempts. Its zero value is ready to use.
type attempts struct {
	budget  sync.Mutex // one openid exchange at a time takes its request from the budget
	mu      sync.Mutex
	sales   map[string]*watched // by the out_trade_no of the sale's 800201 order
	checked map[string]asked    // when each attempt was last queried, sale or not (recent ones only)
}

// asked is when an attempt was last queried, and whether by its sale.
type asked struct {
	at     time.Time
	bySale bool
}

// watched is one running sale's attempts.
type watched struct {
	nos      []string          // attempt out_trade_nos, oldest first
	closed   bool              // the sale is ending: no new attempts
	inflight sync.WaitGroup    // StartAttempts between saving an attempt and recording QFPay's answer
	wake     chan struct{}     // closed (and replaced) when an attempt settles
	answer   chan struct{}     // closed once the sale's next query of its attempts is answered and recorded (or at its end)
	notes    int               // NoteAttempt entries written
	signIns  map[string]string // sign-ins used (at most maxSignInsPerSale) → the attempt each led to, "" until one
	exchange bool              // an openid exchange is under way
}

// watch opens the sale of the 800201 order parent to attempts.
func (a *attempts) watch(parent string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sales == nil {
		a.sales = map[string]*watched{}
	}
	if a.sales[parent] == nil {
		a.sales[parent] = &watched{wake: make(chan struct{}), answer: make(chan struct{})}
	}
}

// open reports whether parent takes another attempt now.
func (a *attempts) open(parent string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.openLocked(parent)
}

func (a *attempts) openLocked(parent string) error {
	w := a.sales[parent]
	switch {
	case w == nil || w.closed:
		return fmt.Errorf("%w: the sale is not running at the counter", ErrNotOpen)
	case len(w.nos) >= maxAttemptsPerSale:
		return fmt.Errorf("%w: %d WeChat payment attempts already; start a new sale", ErrNotOpen, len(w.nos))
	}
	return nil
}

// begin reserves attempt no for parent, if parent takes another attempt
// now (checked and reserved at once, so that concurrent attempts cannot
// exceed maxAttemptsPerSale); the caller must save it, then call
// w.inflight.Done once QFPay's answer is recorded. An attempt reserved but
// never saved is not in the store, and ignored.
func (a *attempts) begin(parent, no string) (*watched, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.openLocked(parent); err != nil {
		return nil, err
	}
	w := a.sales[parent]
	w.nos = append(w.nos, no)
	w.inflight.Add(1) // never concurrent with end's Wait: closed is false under the lock
	return w, nil
}

// list returns parent's attempts.
func (a *attempts) list(parent string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.sales[parent]; w != nil {
		return append([]string(nil), w.nos...)
	}
	return nil
}

// woken returns a channel closed when one of parent's attempts settles;
// nil (never ready) when parent takes no attempts.
func (a *attempts) woken(parent string) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.sales[parent]; w != nil {
		return w.wake
	}
	return nil
}

// kick wakes the sale of parent.
func (a *attempts) kick(parent string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.sales[parent]; w != nil {
		close(w.wake)
		w.wake = make(chan struct{})
	}
}

// due tells CheckAttempt what to do about attempt no of parent at now:
// query QFPay (nobody did in the last checkEvery; it is marked queried
// now), wait for answer — the next answer of the sale that queried it
// meanwhile — or neither (CheckAttempt did: the stored state stands).
func (a *attempts) due(parent, no string, now time.Time) (query bool, answer <-chan struct{}) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.checked[no]; ok && now.Sub(last.at) < checkEvery {
		if w := a.sales[parent]; last.bySale && w != nil {
			return false, w.answer
		}
		return false, nil
	}
	a.markLocked(now, false, no)
	return true, nil
}

// asking is called by the sale of parent as it queries its attempts: it
// returns the channel to close once the answer is recorded (see queried),
// which those waiting for the sale's next query wait for.
func (a *attempts) asking(parent string) chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.sales[parent]
	if w == nil || w.closed {
		return nil
	}
	ch := w.answer
	w.answer = make(chan struct{})
	return ch
}

// queried records that the sale's query of attempts nos, begun with
// asking (which returned answer), was answered and recorded at now.
func (a *attempts) queried(answer chan struct{}, now time.Time, nos ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.markLocked(now, true, nos...)
	if answer != nil {
		close(answer)
	}
}

func (a *attempts) markLocked(now time.Time, bySale bool, nos ...string) {
	if a.checked == nil {
		a.checked = map[string]asked{}
	}
	if len(a.checked) >= 256 { // forget what no longer throttles anything
		for no, last := range a.checked {
			if now.Sub(last.at) >= checkEvery {
				delete(a.checked, no)
			}
		}
	}
	for _, no := range nos {
		a.checked[no] = asked{at: now, bySale: bySale}
	}
}

// note reports whether another NoteAttempt entry may be written for parent.
func (a *attempts) note(parent string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.sales[parent]
	if w == nil || w.notes >= maxNotesPerSale {
		return false
	}
	w.notes++
	return true
}

// useSignIn marks the sign-in key used for parent, if the sale takes it
// now. It refuses a key used before (returning the attempt it led to), one
// over the sale's limit, and, when exchange is set, a key that needs an
// openid exchange while another of the sale's is under way; otherwise, with
// exchange set, the sale's exchange is under way until exchanged is called.
func (a *attempts) useSignIn(parent, key string, exchange bool) (usedBy string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.sales[parent]
	if w == nil || w.closed {
		return "", fmt.Errorf("%w: the sale is not running at the counter", ErrNotOpen)
	}
	if by, ok := w.signIns[key]; ok {
		return by, ErrSignInUsed
	}
	switch {
	case len(w.signIns) >= maxSignInsPerSale:
		return "", fmt.Errorf("%w: %d already", ErrTooManySignIns, len(w.signIns))
	case exchange && w.exchange:
		return "", ErrSignInBusy
	}
	if w.signIns == nil {
		w.signIns = map[string]string{}
	}
	w.signIns[key] = ""
	w.exchange = w.exchange || exchange
	return "", nil
}

// exchanged ends the openid exchange of parent begun by useSignIn.
func (a *attempts) exchanged(parent string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.sales[parent]; w != nil {
		w.exchange = false
	}
}

// led records the attempt the sign-in key of parent led to.
func (a *attempts) led(parent, key, attempt string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.sales[parent]; w != nil {
		if _, ok := w.signIns[key]; ok {
			w.signIns[key] = attempt
		}
	}
}

// end stops parent taking attempts, waits for those being created, and
// returns them all.
func (a *attempts) end(parent string) []string {
	a.mu.Lock()
	w := a.sales[parent]
	if w == nil {
		a.mu.Unlock()
		return nil
	}
	if !w.closed {
		close(w.answer) // the sale queries no more: nobody waits for its next query
	}
	w.closed = true
	a.mu.Unlock()
	w.inflight.Wait()
	return a.list(parent)
}

// watching reports whether a running sale still answers for parent's
// attempts: from watch until the sale has read them for its final event.
func (a *attempts) watching(parent string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sales[parent] != nil
}

// remove forgets parent.
func (a *attempts) remove(parent string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sales, parent)
}

// jsapiSale is what a Sale keeps of its JSAPI attempts. Only the sale's
// own goroutine uses it.
type jsapiSale struct {
	attempts []string // every attempt, set by endAttempts
}

// showQR shows the QR of the sale's order o, now awaiting payment. From
// this moment until endAttempts, the sale takes JSAPI attempts: it is
// registered before the QR (and with it the JSAPI page's QR) is shown.
func (s *Sale) showQR(o *store.Order) {
	s.e.jsapi.watch(o.OutTradeNo)
	s.emit(Event{QRCode: o.QRCode, Message: "waiting for the customer to scan"})
}

// CanAttempt reports whether the sale of the 800201 order parent takes a
// WeChat JSAPI payment now: the order exists, is awaiting payment and not
// past its expiry, and its sale is running in this engine. It returns the
// order whenever it exists, also with an error (wrapping ErrNotOpen, or
// store.ErrNotFound), so that a page can say it was paid already.
func (e *Engine) CanAttempt(parent string) (*store.Order, error) {
	p, err := e.attemptable(parent)
	if err != nil {
		return p, err
	}
	if err := e.jsapi.open(parent); err != nil {
		return p, err
	}
	return p, nil
}

// attemptable is CanAttempt but for the sale's registry: what the stored
// order says.
func (e *Engine) attemptable(parent string) (*store.Order, error) {
	p, err := e.st.Get(parent)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Parent != "" || (p.PayType != "" && p.PayType != payment.PayTypeWeChatQR):
		return p, fmt.Errorf("%w: %s is not the order of a QR sale", ErrNotOpen, parent)
	case p.State != store.StateAwaiting:
		return p, fmt.Errorf("%w: the sale is %s", ErrNotOpen, p.State)
	case !e.s.Clock.Now().Before(p.ExpiresAt):
		return p, fmt.Errorf("%w: the sale has expired", ErrNotOpen)
	}
	return p, nil
}

// StartAttempt creates a WeChat JSAPI payment (800207) for the customer
// whose openid is given, as an attempt of the running sale of the 800201
// order parent. The attempt is saved (state creating) before QFPay is
// called, with an out_trade_no of its own that is never sent again.
//
// On success it returns the attempt, awaiting payment, and the pay_params
// for WeChat. Otherwise it returns the stored attempt (if one was saved)
// with an error wrapping ErrNotOpen (nothing saved or sent),
// ErrAttemptRefused (stored failed) or ErrAttemptUnknown (stored unknown;
// the sale queries it and closes it at its end). pay_params are returned
// only when they came in QFPay's answer for this attempt and QFPay
// confirms the attempt exists and is payable: never pay_params nobody is
// sure of. The call outlives ctx long enough to record QFPay's answer.
func (e *Engine) StartAttempt(ctx context.Context, parent, openid string) (*store.Order, *payment.PayParams, error) {
	openid = strings.TrimSpace(openid)
	if openid == "" {
		return nil, nil, errors.New("checkout: a WeChat JSAPI payment needs the payer's openid")
	}
	p, err := e.attemptable(parent)
	if err != nil {
		return nil, nil, err
	}
	no := store.NewOutTradeNo(e.s.OrderPrefix)
	w, err := e.jsapi.begin(parent, no)
	if err != nil {
		return nil, nil, err
	}
	defer w.inflight.Done()

	now := e.s.Clock.Now()
	a := &store.Order{
		OutTradeNo: no,
		PayType:    payment.PayTypeWeChatJSAPI,
		Amount:     p.Amount,
		Currency:   p.Currency,
		GoodsName:  p.GoodsName,
		CreatedAt:  now.UTC(),
		TxDtm:      now.In(e.s.QFPayZone).Format(payment.TimeLayout),
		Zone:       e.s.QFPayZone.String(),
		ExpiresAt:  p.ExpiresAt, // the sale closes its attempts when it ends
		State:      store.StateCreating,
		Parent:     parent,
	}
	if err := e.st.Create(a); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBusy, err)
	}

	// The customer may close the page meanwhile: QFPay's answer is still
	// recorded.
	work, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	sent := e.send(work, a, openid)
	a2, params := sent.order, sent.params
	switch a2.State {
	case store.StateAwaiting:
		return a2, params, nil
	case store.StateFailed:
		return a2, nil, fmt.Errorf("%w: %w", ErrAttemptRefused, sent.err)
	case store.StateUnknown:
	default: // created but not recordable: closed rather than shown
		return a2, nil, fmt.Errorf("%w: %v", ErrAttemptUnknown, sent.err)
	}

	// Unknown: ask QFPay, briefly — the customer waits.
	for tries := 1; tries <= unknownQueries; tries++ {
		if err := e.wait(work, jitter(e.s.Poll.Fast*time.Duration(tries), e.s.Poll.Jitter)); err != nil {
			break
		}
		rec, found, qerr := e.query(work, e.orderLookup(a2))
		if qerr != nil || !found {
			continue
		}
		st := rec.Status()
		if to := outcome(st, false); to != "" {
			a3, _ := e.settle(a2, to, "query after unknown create: "+string(st), &rec)
			a3 = cmp.Or(a3, a2)
			switch a3.State { // unknown when the record is not the attempt's (see ours)
			case store.StatePaid: // cannot happen without pay_params; trust QFPay
				e.jsapi.kick(parent)
				return a3, nil, nil
			case store.StateFailed: // QFPay's code goes with it, as with a refusal in the answer
				return a3, nil, fmt.Errorf("%w: %w", ErrAttemptRefused, &payment.Error{Op: "query", Result: payment.Result{RespCd: rec.RespCd, RespErr: rec.ErrMsg}})
			}
			return a3, nil, fmt.Errorf("%w: QFPay says the payment is %s", ErrAttemptUnknown, st)
		}
		// Pending at QFPay: the attempt exists. The pay_params of an answer
		// for this very out_trade_no are then its own.
		if params != nil {
			if a3, err := e.await(a.OutTradeNo, rec, "query: payment exists, pending"); err == nil {
				return a3, params, nil
			}
		}
		break // exists, but without pay_params nobody can pay it; the sale closes it
	}
	return a2, nil, fmt.Errorf("%w: %v", ErrAttemptUnknown, sent.err)
}

// CheckAttempt asks QFPay about a JSAPI attempt and records a final
// answer; when the attempt turns out paid, the sale of its parent is woken
// and ends paid. It is what the customer's result page calls: the
// WeixinJSBridge callback and the /q/direct redirect are never taken as
// the result. A final attempt is returned as stored, without a query; so
// is an attempt CheckAttempt queried less than a second ago. One its sale
// queried less than a second ago is returned as the sale's next query
// records it (the sale asks for all its attempts in one query), without
// a query of its own. The query of an attempt whose sale is over is
// background work (it yields to running sales). With an error from QFPay
// the stored attempt is returned along with it.
func (e *Engine) CheckAttempt(ctx context.Context, outTradeNo string) (*store.Order, error) {
	a, err := e.st.Get(outTradeNo)
	if err != nil {
		return nil, err
	}
	if a.Parent == "" {
		return a, fmt.Errorf("%w: %s", ErrNotAttempt, outTradeNo)
	}
	if a.State.Final() {
		return a, nil
	}
	query, answer := e.jsapi.due(a.Parent, a.OutTradeNo, e.s.Clock.Now())
	if !query {
		if answer != nil {
			select {
			case <-answer:
			case <-ctx.Done():
			case <-e.s.Clock.After(saleAnswerWait):
			}
			if a2, err := e.st.Get(outTradeNo); err == nil {
				a = a2
			}
		}
		return a, nil
	}
	if !e.jsapi.watching(a.Parent) {
		ctx = background(ctx)
	}
	rec, found, err := e.query(ctx, e.orderLookup(a))
	if err != nil {
		return a, err
	}
	if !found {
		return a, nil
	}
	st := rec.Status()
	to := outcome(st, false)
	if to == "" {
		return a, nil
	}
	a2, err := e.settle(a, to, "query: "+string(st), &rec)
	if err != nil {
		return a, err
	}
	e.jsapi.kick(a.Parent)
	e.paidAfterSale(a, a2)
	return a2, nil
}

// paidAsCause starts the history entry of a sale's 800201 order that says
// the sale ended paid by one of its attempts; Reconcile looks for it.
const paidAsCause = "wechat jsapi: paid as order "

// notePaidAs records on parent p that its sale ended paid as attempt no,
// unless its history says so already.
func (e *Engine) notePaidAs(p, no string) {
	if err := e.noteParent(p, func(o *store.Order) bool { return !endedPaidAs(o, no) }, "paid as order "+no); err != nil {
		e.s.Logger.Error("cannot note the paid attempt", "out_trade_no", p, "attempt", no, "err", err)
	}
}

// endedPaidAs reports whether the history of the 800201 order p says its
// sale ended paid as attempt no.
func endedPaidAs(p *store.Order, no string) bool {
	for _, h := range p.History {
		if h.Cause == paidAsCause+no || strings.HasPrefix(h.Cause, paidAsCause+no+";") {
			return true
		}
	}
	return false
}

// paidAfterSale is called when an attempt was settled (before → after)
// outside its sale: one found paid with no sale watching it any more —
// its sale ended cancelled, expired or unknown, or qfpos restarted — is
// money the counter was not told about. It is logged as an error and
// noted in the history of the sale's 800201 order, and Reconcile reports
// it, to be checked and refunded if need be.
func (e *Engine) paidAfterSale(before, after *store.Order) {
	if after == nil || after.Parent == "" || after.State != store.StatePaid ||
		(before != nil && before.State == store.StatePaid) || e.jsapi.watching(after.Parent) {
		return
	}
	e.s.Logger.Error("a WeChat JSAPI attempt was paid after its sale ended: check, refund if needed",
		"out_trade_no", after.Parent, "attempt", after.OutTradeNo, "amount", after.Amount)
	err := e.noteParent(after.Parent, func(o *store.Order) bool { return !endedPaidAs(o, after.OutTradeNo) },
		"paid as attempt "+after.OutTradeNo+" after the sale ended — check, refund if needed")
	if err != nil {
		e.s.Logger.Error("cannot note the late payment", "out_trade_no", after.Parent, "attempt", after.OutTradeNo, "err", err)
	}
}

// attemptProblem is, for Reconcile, what is wrong with the paid order a
// if it is a JSAPI attempt its sale did not end paid by: paid while the
// sale's 800201 order is paid too, or paid although the sale ended
// without it (its 800201 order is not paid and its history does not say
// the sale was paid as a). "" when nothing is.
func (e *Engine) attemptProblem(a *store.Order) string {
	if a.Parent == "" {
		return ""
	}
	p, err := e.st.Get(a.Parent)
	switch {
	case err != nil:
		return "paid as a WeChat payment of sale " + a.Parent + ", which cannot be read here (" + err.Error() + "): check, refund if needed"
	case p.State == store.StatePaid:
		return "paid twice — refund one: this WeChat payment and its sale's QR order " + p.OutTradeNo + " are both paid"
	case !endedPaidAs(p, a.OutTradeNo):
		return "paid as a WeChat payment of sale " + p.OutTradeNo + ", which is " + string(p.State) + " here, not paid: the sale ended without it — check, refund if needed"
	}
	return ""
}

// noteParent adds cause to the history of the 800201 order parent, when
// want (nil: always) says so of the order as stored; its state does not
// change. Unlike NoteAttempt it is not limited per sale: it is for what
// qfpos itself must record.
func (e *Engine) noteParent(parent string, want func(*store.Order) bool, cause string) error {
	now := e.s.Clock.Now()
	_, err := e.st.Update(parent, func(o *store.Order) error {
		if want == nil || want(o) {
			o.History = append(o.History, store.Change{At: now.UTC(), From: o.State, To: o.State, Cause: "wechat jsapi: " + cause})
		}
		return nil
	})
	return err
}

// UseSignIn takes a WeChat sign-in for the running sale of the 800201
// order parent: key identifies it (the signature of an openid signed by
// the merchant's OAuth page). Each is taken once: a key used before gives
// ErrSignInUsed with the attempt it led to ("" if none). A sale takes at
// most a few sign-ins (ErrTooManySignIns), and only while it takes
// attempts (ErrNotOpen). What the sale remembers of them goes with it.
func (e *Engine) UseSignIn(parent, key string) (usedBy string, err error) {
	return e.jsapi.useSignIn(parent, key, false)
}

// OpenID exchanges a WeChat OAuth code for the customer's openid, for the
// running sale of the 800201 order parent, with exchange (the QFPay
// client's OpenID). The code is a sign-in, taken as UseSignIn takes one,
// so a code is never exchanged twice and a sale exchanges at most a few
// (ErrSignInUsed, ErrTooManySignIns, ErrNotOpen; nothing is sent). A sale
// has one exchange under way at a time: another gets ErrSignInBusy,
// unused. The exchange is a QFPay request like any other: it takes its
// place in the engine's request budget, yielding to the polling of
// running sales for up to signInYield first. Strangers who saw the QR can
// thus cost the merchant's QFPay budget at most maxSignInsPerSale
// requests per sale, one at a time.
func (e *Engine) OpenID(ctx context.Context, parent, code string, exchange func(context.Context, string) (string, error)) (openid, usedBy string, err error) {
	if usedBy, err := e.jsapi.useSignIn(parent, code, true); err != nil {
		return "", usedBy, err
	}
	defer e.jsapi.exchanged(parent)
	if err := e.signInBudget(ctx); err != nil {
		return "", "", err
	}
	openid, err = exchange(ctx, code)
	return openid, "", err
}

// signInBudget waits for the request of an openid exchange within the
// engine's budget: while the bucket holds less than two requests (running
// sales poll), it waits, for up to signInYield, then queues as a live
// request. Exchanges take their turn one at a time.
func (e *Engine) signInBudget(ctx context.Context) error {
	e.jsapi.budget.Lock()
	defer e.jsapi.budget.Unlock()
	if err := e.yield(ctx, e.s.Clock.Now().Add(signInYield)); err != nil {
		return err
	}
	return e.spend(ctx)
}

// SignInLed records the attempt a sign-in (an OAuth code given to OpenID,
// or a key given to UseSignIn) of parent led to, for the page that tells
// a customer who replays it where their payment is.
func (e *Engine) SignInLed(parent, key, attempt string) {
	e.jsapi.led(parent, key, attempt)
}

// NoteAttempt records in the history of the 800201 order parent a WeChat
// payment try that failed before an attempt order existed — no OAuth
// code, a code used already, the openid exchange failing — so that the
// order file tells what the customer was shown. It writes only while the
// sale is running, and at most a few entries per sale; the order's state
// does not change.
func (e *Engine) NoteAttempt(parent, cause string) error {
	if !e.jsapi.note(parent) {
		return nil
	}
	now := e.s.Clock.Now()
	_, err := e.st.Update(parent, func(o *store.Order) error {
		o.History = append(o.History, store.Change{At: now.UTC(), From: o.State, To: o.State, Cause: "wechat jsapi: " + cause})
		return nil
	})
	return err
}

// queryWithAttempts is e.query for the sale's 800201 order parent, also
// watching its JSAPI attempts: with open attempts, one query asks for the
// order and all of them, and each attempt's final answer is recorded. done
// reports that an attempt was paid and the 800201 order has been closed
// and confirmed: poll then returns.
func (s *Sale) queryWithAttempts(ctx context.Context, po *store.Order) (rec payment.Record, found, done bool, err error) {
	e := s.e
	parent := po.OutTradeNo
	nos := e.jsapi.list(parent)
	if len(nos) == 0 {
		rec, found, err = e.query(ctx, e.orderLookup(po))
		return rec, found, false, err
	}
	ask := []string{parent}
	lookups := []lookup{e.orderLookup(po)}
	for _, no := range nos {
		a, gerr := e.st.Get(no)
		switch {
		case gerr != nil:
			continue
		case a.State == store.StatePaid: // settled by CheckAttempt
			s.attemptPaid(ctx, a, nil)
			return rec, false, true, nil
		case !a.State.Final():
			ask = append(ask, no)
			lookups = append(lookups, e.orderLookup(a))
		}
	}
	answer := e.jsapi.asking(parent)
	recs, _, err := e.queryMany(ctx, lookups)
	if err != nil {
		e.jsapi.queried(answer, e.s.Clock.Now(), ask[1:]...)
		return rec, false, false, err
	}
	for _, no := range ask[1:] {
		r, ok := recs[no]
		if !ok {
			continue
		}
		st := r.Status()
		to := outcome(st, false)
		if to == "" {
			continue
		}
		a, gerr := e.st.Get(no)
		if gerr != nil {
			continue
		}
		if a, _ = e.settle(a, to, "query: "+string(st), &r); a != nil && a.State == store.StatePaid {
			e.jsapi.queried(answer, e.s.Clock.Now(), ask[1:]...)
			var prec *payment.Record // what the same query says of the 800201 order
			if r, ok := recs[parent]; ok {
				prec = &r
			}
			s.attemptPaid(ctx, a, prec)
			return rec, false, true, nil
		}
	}
	e.jsapi.queried(answer, e.s.Clock.Now(), ask[1:]...) // its answer is recorded: CheckAttempt takes it
	rec, found = recs[parent]
	return rec, found, false, nil
}

// attemptPaid ends the sale for a paid attempt. prec is QFPay's record of
// the 800201 order from the query that found the attempt paid; without
// one, the order is queried first. When it says the order is paid too,
// that is recorded and it is not closed (closing a paid QR order may have
// WeChat revoke it), and the final event says it was paid twice.
// Otherwise it is closed at QFPay and confirmed (a payment that landed on
// it meanwhile is paid, paid twice as well). The other attempts are closed
// by endAttempts.
func (s *Sale) attemptPaid(ctx context.Context, paid *store.Order, prec *payment.Record) {
	e := s.e
	parent := s.order()
	e.s.Logger.Info("paid by a WeChat JSAPI attempt", "out_trade_no", parent.OutTradeNo, "attempt", paid.OutTradeNo)
	if prec == nil {
		if rec, found, err := e.query(ctx, e.orderLookup(parent)); err == nil && found {
			prec = &rec
		}
	}
	if cur, err := e.st.Get(parent.OutTradeNo); err == nil {
		parent = cur
	}
	if prec != nil && !parent.State.Final() && outcome(prec.Status(), false) == store.StatePaid {
		if err := e.noteParent(parent.OutTradeNo, nil, "paid as order "+paid.OutTradeNo+"; this QR order is paid too"); err != nil {
			e.s.Logger.Error("cannot note the paid attempt", "out_trade_no", parent.OutTradeNo, "attempt", paid.OutTradeNo, "err", err)
		}
		o2, _ := e.settle(parent, store.StatePaid, "query: "+string(prec.Status())+" (paid in WeChat as "+paid.OutTradeNo+" too)", prec)
		s.setOrder(o2)
		return
	}
	s.emit(Event{Message: "paid in WeChat: closing the QR", Checking: true})
	if err := e.noteParent(parent.OutTradeNo, nil, "paid as order "+paid.OutTradeNo+"; closing this QR"); err != nil {
		e.s.Logger.Error("cannot note the paid attempt", "out_trade_no", parent.OutTradeNo, "attempt", paid.OutTradeNo, "err", err)
	}
	if !parent.State.Final() {
		s.closeAndConfirm(ctx, parent, store.StateCancelled)
	}
}

// endAttempts runs when the sale has stopped polling, whatever its result:
// the sale takes no more attempts, those being created are waited for,
// and every attempt not final is closed at QFPay and confirmed (one paid
// meanwhile is paid, and finish reports it).
func (s *Sale) endAttempts(ctx context.Context) {
	parent := s.order().OutTradeNo
	nos := s.e.jsapi.end(parent)
	// The sale stays watched (a notification of a late payment is then
	// part of it, not "paid after its sale ended") until finish has read
	// its attempts: finish removes it.
	for _, no := range nos {
		a, err := s.e.st.Get(no)
		if err != nil || a.State.Final() {
			continue
		}
		s.emit(Event{Message: "closing the WeChat payment " + no, Checking: true})
		if _, err := s.e.closeAndConfirm(ctx, a, store.StateCancelled, nil); err != nil {
			s.e.s.Logger.Info("cannot close the JSAPI attempt", "attempt", no, "err", err)
		}
	}
	s.jsapi.attempts = nos
}

// jsapiFinal completes the sale's final event from its attempts: a paid
// attempt makes the sale paid (PaidOutTradeNo, also noted in the 800201
// order's history), and more than one paid order — the 800201 and an
// attempt, or two attempts — is said plainly, as one of them must be
// refunded. An attempt still not final (its close could not be confirmed)
// may yet be paid: without a paid order the sale ends unknown, naming it.
func (s *Sale) jsapiFinal(ev *Event) {
	if len(s.jsapi.attempts) == 0 {
		return
	}
	parent := s.order()
	var paid, open []string
	if parent.State == store.StatePaid {
		paid = append(paid, parent.OutTradeNo)
	}
	for _, no := range s.jsapi.attempts {
		a, err := s.e.st.Get(no)
		switch {
		case errors.Is(err, store.ErrNotFound): // never saved: nothing was sent
		case err != nil || !a.State.Final():
			open = append(open, no)
		case a.State == store.StatePaid:
			paid = append(paid, no)
			if ev.PaidOutTradeNo == "" {
				ev.PaidOutTradeNo = no
				ev.State, ev.RespCd = store.StatePaid, a.RespCd
				ev.Message = "paid in WeChat (order " + no + ")"
				if !parent.State.Final() {
					ev.Message += "; the QR order " + parent.OutTradeNo + " is not confirmed closed yet (qfpos reconcile settles it)"
				}
			}
		}
	}
	if ev.PaidOutTradeNo != "" {
		s.e.notePaidAs(parent.OutTradeNo, ev.PaidOutTradeNo)
	}
	if len(paid) > 1 {
		ev.Message = "paid twice — refund one: " + strings.Join(paid, " and ")
	}
	if len(open) == 0 {
		return
	}
	s.e.s.Logger.Error("WeChat JSAPI attempts not confirmed closed at the end of the sale", "out_trade_no", parent.OutTradeNo, "attempts", open)
	if len(paid) > 0 {
		ev.Message += "; the WeChat payment " + strings.Join(open, ", ") + " is not confirmed closed (qfpos reconcile settles it)"
		return
	}
	ev.State = store.StateUnknown
	ev.Message = "the outcome is not known yet: the WeChat payment " + strings.Join(open, ", ") +
		" could not be confirmed closed and may still be paid — do not charge again; qfpos keeps checking (qfpos reconcile)"
}
