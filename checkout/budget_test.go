package checkout

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

// stepClock is a virtual clock for one goroutine: After moves it on at once.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(max(d, 0))
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// maxInWindow is the most times of ts (sorted) in any window [t, t+w).
func maxInWindow(ts []time.Time, w time.Duration) int {
	most := 0
	for i, j := 0, 0; i < len(ts); i++ {
		for j < len(ts) && ts[j].Before(ts[i].Add(w)) {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// A device never sends more than its share of QFPay's 400 a minute in any
// 60 s, bursts included: an engine asking as fast as it can, from a full
// bucket, for five minutes.
func TestBudgetNeverExceedsShare(t *testing.T) {
	for _, share := range []float64{0.25, 0.15, 1, 0.01} {
		t.Run(fmt.Sprint(share), func(t *testing.T) {
			clock := &stepClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
			e := New(nil, nil, Settings{PollShare: share, Clock: clock})
			start := clock.Now()
			var sent []time.Time
			for clock.Now().Sub(start) < 5*time.Minute {
				ctx := context.Background()
				if len(sent)%3 == 0 {
					ctx = background(ctx) // recovery's requests count the same
				}
				if err := e.throttle(ctx); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, clock.Now())
			}
			limit := int(MerchantRequestsPerMinute * share)
			if got := maxInWindow(sent, time.Minute); got > limit {
				t.Errorf("%d requests in one 60 s window, share %d a minute", got, limit)
			}
			if got := len(sent); got < 4*limit { // and it is not needlessly slow
				t.Errorf("only %d requests in 5 minutes at %d a minute", got, limit)
			}
		})
	}
}

// The polling grid: never more than 50 queries in any 60 s, never more
// than 1.5 s between two in the first 2 minutes (so payment → paid stays
// within 2 s with a query's round trip), nor 3 s after (3.5 s).
func TestDefaultPollGrid(t *testing.T) {
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for run := range 200 {
		s := schedule{p: DefaultPoll, start: start}
		var ts []time.Time
		now := start
		for now.Sub(start) < 10*time.Minute {
			now = s.next(now)
			ts = append(ts, now)
		}
		if got := maxInWindow(ts, time.Minute); got > 50 {
			t.Fatalf("run %d: %d queries in one 60 s window", run, got)
		}
		prev := start
		for _, q := range ts {
			limit := 1500 * time.Millisecond
			if prev.Sub(start) >= DefaultPoll.FastFor {
				limit = 3 * time.Second
			}
			if gap := q.Sub(prev); gap > limit || gap <= 0 {
				t.Fatalf("run %d: %s between queries at %s", run, gap, prev.Sub(start))
			}
			prev = q
		}
	}
}

// A late query skips the ticks it missed instead of catching up in a burst.
func TestPollGridSkipsMissedTicks(t *testing.T) {
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s := schedule{p: DefaultPoll, start: start}
	late := start.Add(10 * time.Second) // a query took 10 s
	next := s.next(late)
	if d := next.Sub(late); d <= 0 || d > 1500*time.Millisecond {
		t.Errorf("next query %s after a late answer", d)
	}
	if again := s.next(next); again.Sub(next) < 1000*time.Millisecond {
		t.Errorf("then %s later: a burst", again.Sub(next))
	}
}

// An order is taken as no longer payable, without a close, only past its
// expiry by QFPay's clock (the Date of the answer) and QFPay's record
// (sysdtm), by expiryMargin; never without QFPay's clock, never for a
// JSAPI attempt, and a life QFPay would not take counts as 120 minutes.
func TestPastExpiry(t *testing.T) {
	zone := time.FixedZone("UTC+8", 8*3600)
	e := New(nil, nil, Settings{QFPayZone: zone})
	created := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC) // 12:00 in QFPay's zone
	order := func(payType string, life time.Duration) *store.Order {
		return &store.Order{OutTradeNo: "QF1", PayType: payType, CreatedAt: created, ExpiresAt: created.Add(life)}
	}
	rec := func(sysdtm string) *payment.Record { return &payment.Record{SysDtm: sysdtm} }
	at := func(d time.Duration) time.Time { return created.Add(d) }
	tests := []struct {
		name string
		o    *store.Order
		rec  *payment.Record
		qnow time.Time
		want bool
	}{
		{"pending, QFPay's clock 6 min on", order("800201", 5*time.Minute), rec("2026-11-22 12:00:00"), at(6 * time.Minute), true},
		{"pending, within the margin", order("800201", 5*time.Minute), rec("2026-11-22 12:00:00"), at(5*time.Minute + 59*time.Second), false},
		{"QFPay created it late (its sysdtm)", order("800201", 5*time.Minute), rec("2026-11-22 12:03:00"), at(8 * time.Minute), false},
		{"QFPay's clock unknown", order("800201", 5*time.Minute), rec("2026-11-22 12:00:00"), time.Time{}, false},
		{"no sysdtm", order("800201", 5*time.Minute), rec(""), at(time.Hour), false},
		{"JSAPI attempt", order("800207", 5*time.Minute), rec("2026-11-22 12:00:00"), at(time.Hour), false},
		{"life shorter than QFPay takes: 120 min", order("800201", 2*time.Minute), rec("2026-11-22 12:00:00"), at(time.Hour), false},
		{"life shorter than QFPay takes, 2 h on", order("800201", 2*time.Minute), rec("2026-11-22 12:00:00"), at(122 * time.Minute), true},
		{"never at QFPay, past expiry", order("800201", 5*time.Minute), nil, at(6 * time.Minute), true},
		{"never at QFPay, within the margin", order("800201", 5*time.Minute), nil, at(5 * time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.pastExpiry(tt.o, tt.rec, tt.qnow); got != tt.want {
				t.Errorf("pastExpiry = %v, want %v", got, tt.want)
			}
		})
	}
}

// Recover asks about up to 100 orders a query, in order of creation.
func TestBatches(t *testing.T) {
	base := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	var ls []lookup
	for i := range 250 {
		from := base.Add(time.Duration(250-i) * time.Minute)
		ls = append(ls, lookup{no: fmt.Sprint(i), from: from, to: from.Add(5 * time.Minute)})
	}
	ls = append(ls, lookup{no: "old", from: base.Add(-40 * 24 * time.Hour), to: base.Add(-40*24*time.Hour + 5*time.Minute)})
	ls = append(ls, lookup{no: "timeless"})
	got := batches(ls)
	var sizes []int
	for _, b := range got {
		sizes = append(sizes, len(b))
		req := queryRequest(b, time.Time{})
		for _, l := range b {
			if !l.from.IsZero() && (l.from.Before(req.Start) || l.to.After(req.End)) {
				t.Errorf("%s outside its query's range", l.no)
			}
		}
	}
	if want := []int{1, 100, 100, 50, 1}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
}

// spendGateway records, at each call, how many requests the engine's
// bucket still holds; the clock stands still, so each call must have
// taken one (and only one). With budget set (a *payment.Client's
// SetBudget), it spends the request itself, as the client does.
type spendGateway struct {
	e      *Engine
	budget func(context.Context) error
	tokens []float64
	calls  []string
}

func (g *spendGateway) saw(ctx context.Context, call string) {
	if g.budget != nil {
		g.budget(ctx)
	}
	g.calls = append(g.calls, call)
	g.tokens = append(g.tokens, g.e.limiter.TokensAt(g.e.s.Clock.Now()))
}

// hookedGateway takes the budget the way *payment.Client does.
type hookedGateway struct{ *spendGateway }

func (g hookedGateway) SetBudget(wait func(context.Context) error) { g.budget = wait }

func (g *spendGateway) CreatePayment(ctx context.Context, r payment.PaymentRequest) (*payment.PaymentResponse, error) {
	g.saw(ctx, "payment")
	return &payment.PaymentResponse{QRCode: "weixin://x", SysSN: "S1"}, nil
}

func (g *spendGateway) Query(ctx context.Context, r payment.QueryRequest) (*payment.QueryResponse, error) {
	g.saw(ctx, "query")
	return &payment.QueryResponse{Records: []payment.Record{{OutTradeNo: r.OutTradeNo[0], PayType: "800201", Amount: 500, Currency: "HKD", RespCd: "0000", Cancel: 2, SysDtm: "2026-11-22 12:00:00"}}}, nil
}

func (g *spendGateway) QueryRange(ctx context.Context, start, end time.Time, filter payment.QueryRequest) ([]payment.Record, error) {
	g.saw(ctx, "query range")
	return nil, nil
}

func (g *spendGateway) Cancel(ctx context.Context, r payment.CancelRequest) (*payment.CancelResponse, error) {
	g.saw(ctx, "close")
	return &payment.CancelResponse{}, nil
}

func (g *spendGateway) Refund(ctx context.Context, r payment.RefundRequest) (*payment.RefundResponse, error) {
	g.saw(ctx, "refund")
	return &payment.RefundResponse{SysSN: "R1"}, nil
}

// Every kind of QFPay call the engine makes takes one request from its
// budget — payment, close, query, the day's records, refund — whether the
// engine spends it or the gateway does per request (a *payment.Client,
// whose openid exchanges and retries are so counted too).
func TestEveryCallSpendsTheBudget(t *testing.T) {
	for _, hooked := range []bool{false, true} {
		t.Run(fmt.Sprint("hooked=", hooked), func(t *testing.T) {
			clock := &stepClock{now: time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)}
			st, err := store.Open(t.TempDir() + "/orders.db")
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			g := &spendGateway{}
			var gw Gateway = g
			if hooked {
				gw = hookedGateway{g}
			}
			e := New(gw, st, Settings{PollShare: 1, Clock: clock, Location: time.UTC}) // burst 5
			g.e = e
			if e.hooked != hooked || hooked && g.budget == nil {
				t.Fatalf("hooked = %v", e.hooked)
			}
			ctx := context.Background()
			o, err := e.newOrder(Request{Amount: 500})
			if err != nil {
				t.Fatal(err)
			}
			e.send(ctx, o, "")                                 // payment
			e.closeAndConfirm(ctx, o, store.StateExpired, nil) // close, query
			e.Reconcile(ctx, clock.Now())                      // query range
			if _, err := st.Update(o.OutTradeNo, func(o *store.Order) error {
				o.SetState(store.StatePaid, clock.Now(), "test", "0000")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			e.Refund(ctx, o.OutTradeNo, 100) // refund
			want := []string{"payment", "close", "query", "query range", "refund"}
			if !slices.Equal(g.calls, want) {
				t.Fatalf("calls %v, want %v", g.calls, want)
			}
			for i, tok := range g.tokens {
				if wantTok := float64(e.limiter.Burst() - 1 - i); tok < wantTok-0.01 || tok > wantTok+0.01 {
					t.Errorf("%s: %.2f requests left in the bucket, want %v", g.calls[i], tok, wantTok)
				}
			}
		})
	}
}

// listGateway refuses, as a parameter error, a query for more than max
// orders; it has a pending record of each order it is asked about.
type listGateway struct {
	spendGateway
	max     int
	queries []int
}

func (g *listGateway) Query(ctx context.Context, r payment.QueryRequest) (*payment.QueryResponse, error) {
	g.queries = append(g.queries, len(r.OutTradeNo))
	if len(r.OutTradeNo) > g.max {
		return nil, &payment.Error{Op: "query", HTTPStatus: 200, Result: payment.Result{RespCd: "1150", RespErr: "out_trade_no too long"}}
	}
	resp := &payment.QueryResponse{}
	for _, no := range r.OutTradeNo {
		resp.Records = append(resp.Records, payment.Record{OutTradeNo: no, RespCd: "1143"})
	}
	return resp, nil
}

// Should QFPay refuse a long list of out_trade_nos (§4 types the field
// String(128)), recovery asks again in halves rather than failing.
func TestQueryAllHalvesRefusedLists(t *testing.T) {
	g := &listGateway{max: 30}
	e := New(g, nil, Settings{PollShare: 1, Clock: &stepClock{now: time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)}})
	var ls []lookup
	for i := range 100 {
		ls = append(ls, lookup{no: fmt.Sprint("QF", i)})
	}
	got := e.queryAll(context.Background(), ls)
	for _, l := range ls {
		if a := got[l.no]; a.err != nil || !a.found {
			t.Fatalf("%s: %+v", l.no, a)
		}
	}
	if want := []int{100, 50, 25, 25, 50, 25, 25}; !slices.Equal(g.queries, want) {
		t.Errorf("queries of %v orders, want %v", g.queries, want)
	}
}

// A query's range never ends in QFPay's future by more than clock skew
// needs: expiry, grace and the margin would otherwise put end_time a day
// ahead, which QFPay's docs do not say it accepts.
func TestQueryRangeEndsNearNow(t *testing.T) {
	now := time.Date(2026, 11, 30, 15, 59, 50, 0, time.UTC) // 23:59:50 at QFPay, the last day of a month
	l := lookup{no: "A", from: now.Add(-time.Minute), to: now.Add(5 * time.Minute)}
	req := queryRequest([]lookup{l}, now)
	if req.End.After(now.Add(queryLead)) || !req.End.After(now) {
		t.Errorf("end %s, want within %s after now %s", req.End, queryLead, now)
	}
	if !req.Start.Before(l.from) {
		t.Errorf("start %s after the order's creation %s", req.Start, l.from)
	}
}

// fullPages answers every query with a full page of records.
type fullPages struct {
	Gateway
	pages int
}

func (g *fullPages) Query(_ context.Context, r payment.QueryRequest) (*payment.QueryResponse, error) {
	g.pages++
	recs := make([]payment.Record, payment.MaxPageSize)
	for i := range recs {
		recs[i] = payment.Record{OutTradeNo: fmt.Sprintf("OTHER%d-%d", g.pages, i), RespCd: "0000"}
	}
	return &payment.QueryResponse{Records: recs}, nil
}

// An answer that is still a full page at the page cap is an error, not
// "the orders not seen are not found".
func TestQueryManyFullPagesAreNotNotFound(t *testing.T) {
	g := &fullPages{}
	e := New(g, nil, Settings{PollShare: 1})
	ls := []lookup{{no: "A", from: time.Now(), to: time.Now()}, {no: "B", from: time.Now(), to: time.Now()}}
	recs, _, err := e.queryMany(context.Background(), ls)
	if err == nil || recs != nil {
		t.Fatalf("records %v, err %v: want an error after %d full pages", recs, err, maxQueryPages)
	}
	if g.pages != maxQueryPages {
		t.Errorf("%d pages read, want %d", g.pages, maxQueryPages)
	}
}

// stillClock stands still and counts how long it was asked to wait.
type stillClock struct {
	now    time.Time
	waited time.Duration
}

func (c *stillClock) Now() time.Time { return c.now }
func (c *stillClock) After(d time.Duration) <-chan time.Time {
	c.waited += d
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// With a small share the bucket holds one request: a full bucket is all a
// live sale needs, so a sign-in does not wait out its yield for a second
// token that can never be there.
func TestYieldWithABurstOfOne(t *testing.T) {
	clock := &stillClock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	e := New(nil, nil, Settings{PollShare: 0.05, Clock: clock})
	if e.limiter.Burst() != 1 {
		t.Fatalf("burst %d, want 1 for this share", e.limiter.Burst())
	}
	if err := e.yield(context.Background(), clock.Now().Add(signInYield)); err != nil {
		t.Fatal(err)
	}
	if clock.waited != 0 {
		t.Errorf("waited %s with a full bucket", clock.waited)
	}
}
