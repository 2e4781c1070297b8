// Package checkout is the life of a sale, free of any UI: validate the
// amount, save the order, create the QFPay payment, poll it until it is
// paid, failed, expired or cancelled, and recover every unfinished order
// after a crash. The GUI and the CLI both drive it and both consume the
// same progress events.
//
// The rules of money it keeps: an order is durably saved before QFPay is
// called; an out_trade_no is sent once and an unknown outcome is found out
// by query, never by sending it again; paid means a query (or a verified
// notification) said 0000 and not cancelled; a cancel closes the order at
// QFPay and then queries it, so a payment that landed meanwhile is paid.
//
// How queries are scoped. Without syssn or start_time/end_time, QFPay's
// /trade/v1/query sees only the current month (qfpay-api.md §4), so a
// sale begun at 23:59:50 on the last day of a month and paid at 00:00:05
// would not be found. Every query of an order or a refund — polling, the
// close's confirmation, Recover, Check, JSAPI attempts, refunds — sends
// its syssn when every order asked about has one (QFPay then ignores the
// range), and always a time range: from the order's creation (its stored
// UTC instant) to its expiry plus the grace, widened by 27 hours on each
// side (clock skew, and times read in another zone than they were written
// in: the order is found by its out_trade_no, the range only lifts the
// month default, so a wide one costs nothing and a narrow one could hide a
// payment), and never longer than 27 days (less than any calendar month
// in any zone). It crosses a month boundary when the order's life does;
// the payment client writes it in QFPay's zone.
//
// What a record that is not the order's does. A query record (or a
// notification) is the order's only when its out_trade_no, txamt,
// txcurrcd and pay_type are the order's (for a refund: out_trade_no,
// txamt and txcurrcd). One that differs is not this sale's payment,
// whatever its respcd: the order is left unknown (a paid one stays paid),
// the mismatch is added to its history and logged at error level, nothing
// is closed, and the cashier sees the unknown outcome ("do not charge
// again"). Recover leaves it so; Reconcile lists it. A refund whose record
// differs is never taken as done: it stays unknown.
//
// The polling schedule (DefaultPoll, Poll). A sale finds a payment by
// its next query, so payment → paid is what is left of the polling
// interval plus the query's round trip (and the store's write): about
// interval/2 + RTT on the median, interval + RTT at worst. The targets
// are a median of at most 1 s and a worst of 2 s for the first 2 minutes
// (when customers pay), a worst of 3.5 s after, and at most 50 queries a
// minute per waiting sale in any minute. 50 a minute means an interval of
// at least 1.2 s; a worst of 2 s means interval × (1 + 2×jitter) + RTT ≤
// 2 s. Hence 1.25 s ± 10 % (queries 1.125–1.5 s apart: 48 a minute, a
// worst of 1.5 s + RTT, a median of about 0.63 s + RTT) through the first
// query after 2 minutes, then 2.5 s ± 10 % (24 a minute, at most 3 s
// apart: 3 s + RTT). This holds while QFPay answers within about 0.4 s;
// the sandbox answers in milliseconds (docs/benchmarks.md). Queries fall
// on a grid fixed when the QR is shown, each moved by its jitter only,
// so the jitter never adds up to a burst or a drift: a 60 s window holds
// at most 60/1.25 + 1 = 49. A query answered late skips the ticks it
// missed. When QFPay's notification is configured (NotifyHandler), a
// verified one settles the order and wakes the sale at once; polling
// stays the fallback.
//
// The QFPay budget. QFPay takes 400 requests a minute per merchant
// (qfpay-api.md §9); a device may use PollShare of them (0.25 by
// default: four devices). Every call — payment, query (each page), close,
// reversal, refund, openid, and the client's own retries — waits for the
// engine's token bucket: New hands it to a *payment.Client (SetBudget),
// which takes a request for each HTTP request it sends; with another
// Gateway the engine takes one per call itself. A bucket of burst b
// refilled at r a minute lets through b + r in any 60 s, so r is the
// share less the burst (100 a minute: burst 5, refilled at 95): a device
// stays within its share in every minute, bursts included, and devices
// whose shares add up to 1 stay within QFPay's limit together. Running
// sales come first: recovery and Check take a request only while the
// bucket holds two.
//
// Recovery. Recover asks about the open orders 100 at a time
// (out_trade_no takes a comma-separated list, §4; page_size 100, a full
// page followed by the next), each query spanning orders made within 27
// days less the margins. It closes only what QFPay could still take: an
// order QFPay shows pending, or has no record of, past its expiry by
// QFPay's own clock — the Date of the query's answer against the
// record's sysdtm plus the expired_time sent (a life outside QFPay's
// 5–120 minutes counts as 120), with a minute's margin — is settled
// expired (failed, when QFPay never had it) as it stands: a QR QFPay no
// longer takes cannot be paid, and a close would cost a request and a
// confirming query. Only WeChat QR orders (800201, sent with
// expired_time) are judged so; without QFPay's clock, and for JSAPI
// attempts, an order past its expiry is closed and confirmed as before.
// 2,000 orders past their expiry thus take 20 queries; four devices
// recovering 2,000 orders with 200 still payable (200 closes and 200
// confirming queries) finish in about 65 s, never above 400 a minute
// together.
//
// Never a close for a paid order. Right before a close is sent, the order
// is re-read under the store's write lock: one the file says is paid (a
// verified notification or a JSAPI result page stored it while a query
// was in flight) is not closed — closing a paid 800201 order can revoke
// the payment (§5.1) — and the sale ends paid.
package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"

	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

// Gateway is what checkout needs of QFPay; *payment.Client implements it.
type Gateway interface {
	CreatePayment(ctx context.Context, r payment.PaymentRequest) (*payment.PaymentResponse, error)
	Query(ctx context.Context, r payment.QueryRequest) (*payment.QueryResponse, error)
	QueryRange(ctx context.Context, start, end time.Time, filter payment.QueryRequest) ([]payment.Record, error)
	Cancel(ctx context.Context, r payment.CancelRequest) (*payment.CancelResponse, error)
	Refund(ctx context.Context, r payment.RefundRequest) (*payment.RefundResponse, error)
}

// Clock is the time a sale runs on. Tests pass a simulated one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Poll is the polling schedule of a sale (see the package doc). Queries
// fall on a grid that starts when the QR is shown: one every Fast for the
// first FastFor (and the first after it), then one every Slow. Each is moved by up to ±Jitter of
// its interval, so kiosks started together do not query together, but
// the grid itself never drifts: any 60 s holds at most 60 s / interval + 1
// queries, and two queries are never more than interval × (1 + 2×Jitter)
// apart. A query that comes back late skips the ticks it missed rather
// than catching up. After 429 or 5xx the wait doubles, up to MaxBackoff.
type Poll struct {
	Fast, Slow time.Duration
	FastFor    time.Duration
	Jitter     float64
	MaxBackoff time.Duration
}

// DefaultPoll is the schedule a counter uses: a query every 1.25 s ± 10 %
// for the first 2 minutes (48 a minute, at most 1.5 s apart), then every
// 2.5 s ± 10 % (24 a minute, at most 3 s apart). See the package doc for
// why.
var DefaultPoll = Poll{Fast: 1250 * time.Millisecond, Slow: 2500 * time.Millisecond, FastFor: 2 * time.Minute, Jitter: 0.1, MaxBackoff: 15 * time.Second}

// schedule is the grid of one sale's queries (see Poll).
type schedule struct {
	p     Poll
	start time.Time
	k     int // ticks taken
}

// next is when the query after now is due: the next tick of the grid
// later than now, jittered.
func (s *schedule) next(now time.Time) time.Time {
	for {
		s.k++
		if t := s.tick(s.k); t.After(now) {
			return t
		}
	}
}

// tick is the k-th query time of the grid, jittered.
func (s *schedule) tick(k int) time.Time {
	fast, slow := s.p.Fast, s.p.Slow
	if fast <= 0 {
		fast = DefaultPoll.Fast
	}
	if slow <= 0 {
		slow = fast
	}
	nFast := 0 // the fast ticks: through the first one after FastFor, so that a payment made within FastFor is seen a fast interval later
	if s.p.FastFor > 0 {
		nFast = int(s.p.FastFor/fast) + 1
	}
	var base time.Time
	var iv time.Duration
	if k <= nFast {
		base, iv = s.start.Add(time.Duration(k)*fast), fast
	} else {
		base, iv = s.start.Add(time.Duration(nFast)*fast+time.Duration(k-nFast)*slow), slow
	}
	j := min(max(s.p.Jitter, 0), 0.4)
	return base.Add(jitter(iv, j) - iv)
}

// MerchantRequestsPerMinute is QFPay's limit per merchant (qfpay-api.md §9).
const MerchantRequestsPerMinute = 400

// Settings configure an Engine.
type Settings struct {
	Currency money.Currency
	MaxTxamt int64          // largest sale in minor units; 0 = QFPay's maximum
	Expiry   time.Duration  // how long a QR stays payable (QFPay takes 5–120 min)
	Location *time.Location // the merchant's zone: days, reports and times shown
	// QFPayZone is the zone QFPay keeps time in: txdtm is written in it and
	// paydtm read in it (nil = payment.DefaultZone, UTC+8). It must be the
	// zone the Gateway formats times in.
	QFPayZone *time.Location
	UDID      string // udid sent with each payment
	GoodsName string // default goods_name
	// PollShare is the share of QFPay's 400 requests/min per merchant this
	// engine may use for queries (default 0.25: four devices per merchant).
	PollShare float64
	Poll      Poll // zero = DefaultPoll
	// Grace is how long after expiry a sale keeps checking for a late
	// payment before it gives up as unknown (default 30 s).
	Grace  time.Duration
	Clock  Clock // nil = the real clock
	Logger *slog.Logger
	// OrderPrefix starts every out_trade_no (default "QF").
	OrderPrefix string
	// NotFoundAfter is how old an order QFPay has no record of must be
	// before Recover takes it as never sent (default 2 min).
	NotFoundAfter time.Duration
}

// Engine runs sales against one QFPay gateway and one order store.
type Engine struct {
	gw      Gateway
	st      *store.Store
	s       Settings
	limiter *rate.Limiter
	hooked  bool // the Gateway spends the budget itself, per request (see budgeted)
	notify  *notifier
	jsapi   attempts // WeChat JSAPI attempts per sale (jsapi.go)
}

// New returns an Engine. The store must be open for as long as the engine
// is used.
func New(gw Gateway, st *store.Store, s Settings) *Engine {
	if s.Currency.Code == "" {
		s.Currency = money.MustLookup("HKD")
	}
	if s.MaxTxamt <= 0 || s.MaxTxamt > money.MaxTxamt {
		s.MaxTxamt = money.MaxTxamt
	}
	if s.Expiry <= 0 {
		s.Expiry = 5 * time.Minute
	}
	if s.Location == nil {
		s.Location = time.Local
	}
	if s.QFPayZone == nil {
		s.QFPayZone = payment.DefaultZone
	}
	if s.PollShare <= 0 || s.PollShare > 1 {
		s.PollShare = 0.25
	}
	if s.Poll == (Poll{}) {
		s.Poll = DefaultPoll
	}
	if s.Grace <= 0 {
		s.Grace = 30 * time.Second
	}
	if s.Clock == nil {
		s.Clock = realClock{}
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.NotFoundAfter <= 0 {
		s.NotFoundAfter = 2 * time.Minute
	}
	if s.OrderPrefix == "" {
		s.OrderPrefix = "QF"
	}
	e := &Engine{
		gw:      gw,
		st:      st,
		s:       s,
		limiter: newBudget(s.PollShare),
		notify:  newNotifier(),
	}
	if b, ok := gw.(budgeted); ok {
		b.SetBudget(e.throttle) // every request it sends, retries included
		e.hooked = true
	}
	return e
}

// budgeted is a Gateway that makes each request it sends wait for a
// budget (*payment.Client does); the engine hands it its token bucket.
type budgeted interface {
	SetBudget(wait func(ctx context.Context) error)
}

// newBudget is the token bucket of an engine with share of the merchant's
// MerchantRequestsPerMinute. A bucket of burst b refilled at r a minute
// lets through at most b + r requests in any 60 s, so r is the share less
// the burst: a device never exceeds its share in any minute, bursts
// included, and devices whose shares add up to 1 never exceed QFPay's
// limit together. The burst (a twentieth of the share, 1–5) lets a sale's
// close and confirming query go out together.
func newBudget(share float64) *rate.Limiter {
	perMinute := MerchantRequestsPerMinute * share
	burst := min(max(int(perMinute/20), 1), 5)
	refill := max(perMinute-float64(burst), 0.5)
	return rate.NewLimiter(rate.Limit(refill/60), burst)
}

// Settings returns the engine's settings.
func (e *Engine) Settings() Settings { return e.s }

// Store is the order log the engine writes to.
func (e *Engine) Store() *store.Store { return e.st }

// ErrInvalidAmount is returned, wrapped with the reason, for an amount
// that cannot be charged. Nothing is stored or sent.
var ErrInvalidAmount = errors.New("invalid amount")

// ParseAmount validates an amount typed by a person ("12.50") in the
// engine's currency and returns it in minor units.
func (e *Engine) ParseAmount(s string) (int64, error) {
	v, err := e.s.Currency.Parse(s, e.s.MaxTxamt)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidAmount, err)
	}
	return v, nil
}

// validTxamt checks an amount already in minor units.
func (e *Engine) validTxamt(v int64) error {
	if v <= 0 {
		return fmt.Errorf("%w: %w", ErrInvalidAmount, money.ErrNotPositive)
	}
	if v > e.s.MaxTxamt {
		return fmt.Errorf("%w: %w: the most is %s", ErrInvalidAmount, money.ErrTooLarge, e.s.Currency.Format(e.s.MaxTxamt))
	}
	return nil
}

// wait sleeps for d on the engine's clock, or until ctx ends.
func (e *Engine) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-e.s.Clock.After(d):
		return nil
	}
}

// jitter spreads d by ±j.
func jitter(d time.Duration, j float64) time.Duration {
	if j <= 0 {
		return d
	}
	f := 1 + j*(2*rand.Float64()-1)
	return time.Duration(float64(d) * f)
}

// yield waits, on the engine's clock, while the bucket holds less than a
// live sale's next request needs (two, or the whole burst when that is
// smaller), until until (zero: for as long as it takes): work that can
// wait lets a sale's query go first.
func (e *Engine) yield(ctx context.Context, until time.Time) error {
	need := float64(min(2, e.limiter.Burst()))
	step := time.Duration(float64(time.Second) / float64(e.limiter.Limit()))
	for e.limiter.TokensAt(e.s.Clock.Now()) < need {
		d := step
		if !until.IsZero() {
			left := until.Sub(e.s.Clock.Now())
			if left <= 0 {
				return nil
			}
			d = min(d, left)
		}
		if err := e.wait(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// throttle waits, on the engine's clock, for the engine's share of the
// merchant's QFPay request budget. Background work (see background) takes
// a request only while the bucket holds more than one, so a waiting
// customer's sale is never starved by recovery of old orders.
func (e *Engine) throttle(ctx context.Context) error {
	if ctx.Value(backgroundKey{}) != nil {
		if err := e.yield(ctx, time.Time{}); err != nil {
			return err
		}
	}
	now := e.s.Clock.Now()
	r := e.limiter.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("checkout: request budget exhausted")
	}
	if err := e.wait(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(e.s.Clock.Now())
		return err
	}
	return nil
}

// spend takes one request of the budget for a call about to be made to
// the Gateway — unless the Gateway takes it itself for each request it
// sends (a *payment.Client: see budgeted), so that nothing is counted
// twice. Every QFPay call goes through one or the other.
func (e *Engine) spend(ctx context.Context) error {
	if e.hooked {
		return ctx.Err()
	}
	return e.throttle(ctx)
}

type backgroundKey struct{}

// background marks ctx as low-priority work for throttle.
func background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// outcome maps what QFPay says of an order to a final local state, or ""
// while it is still undecided. closing says whether qfpos asked QFPay to
// close it (cancel by the cashier) as opposed to letting it expire.
func outcome(st payment.Status, cancelled bool) store.State {
	switch st {
	case payment.StatusPaid, payment.StatusRefunded, payment.StatusPartlyRefund:
		return store.StatePaid
	case payment.StatusClosed, payment.StatusReversed:
		if cancelled {
			return store.StateCancelled
		}
		return store.StateExpired
	case payment.StatusExpired:
		return store.StateExpired
	case payment.StatusFailed:
		return store.StateFailed
	}
	return "" // pending, not found
}

// settle records a final (or undecided) answer about an order. It never
// moves an order out of paid: once QFPay said paid, it is paid. A record
// that is not the order's (see ours) decides nothing: the order is left
// unknown.
func (e *Engine) settle(o *store.Order, to store.State, cause string, rec *payment.Record) (*store.Order, error) {
	if rec != nil {
		if o2, ok := e.ours(o, *rec); !ok {
			return o2, nil
		}
	}
	now := e.s.Clock.Now()
	revoked := ""
	o2, err := e.st.Update(o.OutTradeNo, func(o *store.Order) error {
		if o.State == store.StatePaid && to != store.StatePaid {
			// Stored paid (a notification or a result page, while a close
			// was on its way): it stays paid, but a record that now says
			// closed or failed may mean the close revoked the payment
			// (§5.1). Say so in its history, once, for a person to check.
			if rec != nil && to != "" && to != store.StateUnknown {
				revoked = fmt.Sprintf("QFPay now says %s (respcd %s, cancel %d) of this order stored paid: its payment may have been revoked by a close; check it (qfpos reconcile lists it)", to, rec.RespCd, rec.Cancel)
				if n := len(o.History); n > 0 && o.History[n-1].Cause == revoked {
					revoked = ""
					return nil
				}
				o.History = append(o.History, store.Change{At: now.UTC(), From: o.State, To: o.State, Cause: revoked, RespCd: rec.RespCd})
			}
			return nil
		}
		if rec != nil {
			if rec.SysSN != "" {
				o.SysSN = rec.SysSN
			}
			o.RespCd, o.RespMsg = rec.RespCd, rec.ErrMsg
			if to == store.StatePaid && o.PaidAt.IsZero() {
				o.PaidAt = now.UTC()
				if rec.PayDtm != "" {
					if t, err := time.ParseInLocation(payment.TimeLayout, rec.PayDtm, e.s.QFPayZone); err == nil {
						o.PaidAt = t.UTC()
					}
				}
			}
		}
		if to != "" {
			respcd := ""
			if rec != nil {
				respcd = rec.RespCd
			}
			o.SetState(to, now, cause, respcd)
		}
		return nil
	})
	if revoked != "" && err == nil {
		e.s.Logger.Error("order stored paid, QFPay's record disagrees", "out_trade_no", o.OutTradeNo, "problem", revoked)
	}
	return o2, err
}
