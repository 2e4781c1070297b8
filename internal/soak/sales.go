package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// zone is the merchant's and the sandbox's zone: UTC+8, as HK/CN QFPay
// systems run (qfpay-api.md). A fixed zone needs no tzdata.
var zone = time.FixedZone("UTC+8", 8*3600)

// vclock is a worker's virtual clock: After moves it on at once, so a
// five-minute sale takes as long as its HTTP round trips.
type vclock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *vclock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func (c *vclock) Add(d time.Duration) { c.After(d) }

// setAtLeast moves the clock to t if t is later.
func (c *vclock) setAtLeast(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// plan is what happens to one sale, drawn from its own random stream.
type plan struct {
	amount        int64
	payAfter      time.Duration // the payer pays the first QR this long after it was created; <0 never
	declineAfter  time.Duration // the payer declines instead; <0 never
	timeout       time.Duration // Request.Timeout (the sale gives up and closes); 0 none
	cashierCancel bool          // Cancel as soon as the QR is shown
	closeRace     bool          // the payer pays as the close reaches QFPay
	monthEdge     bool          // begun seconds before midnight on a month's last day
	faults        sandbox.Faults
}

func drawPlan(r *rand.Rand) plan {
	p := plan{amount: 1 + r.Int64N(99_999), payAfter: -1, declineAfter: -1}
	switch x := r.IntN(100); {
	case x < 45: // pays in time (mostly), sometimes late
		p.payAfter = time.Duration(r.Int64N(int64(6 * time.Minute)))
	case x < 55:
		p.declineAfter = time.Duration(r.Int64N(int64(4 * time.Minute)))
	case x < 65: // walks away: the QR expires
	case x < 80: // the cashier cancels; the payer may be paying meanwhile
		p.cashierCancel = true
		if r.IntN(2) == 0 {
			p.payAfter = time.Duration(r.Int64N(int64(20 * time.Second)))
		}
	default: // the sale times out while the payer is at it
		p.timeout = 20*time.Second + time.Duration(r.Int64N(int64(3*time.Minute)))
		p.payAfter = time.Duration(r.Int64N(int64(4 * time.Minute)))
	}
	p.closeRace = r.IntN(5) == 0
	if r.IntN(8) == 0 {
		p.monthEdge = true
		p.payAfter = 5*time.Second + time.Duration(r.Int64N(int64(40*time.Second)))
		p.declineAfter, p.cashierCancel, p.timeout = -1, false, 0
	}
	for range r.IntN(4) { // 0–3 faults from the kit
		addFault(r, &p.faults)
	}
	return p
}

func addFault(r *rand.Rand, f *sandbox.Faults) {
	times := 1 + r.IntN(3)
	switch r.IntN(12) {
	case 0:
		f.Payment = append(f.Payment, sandbox.Fault{Kind: sandbox.FaultDrop, Processed: r.IntN(2) == 0})
	case 1:
		f.Payment = append(f.Payment, sandbox.Fault{Kind: sandbox.FaultServerError, Processed: r.IntN(2) == 0, Status: 500 + r.IntN(4)})
	case 2:
		f.Payment = append(f.Payment, sandbox.Fault{Kind: sandbox.FaultRateLimit})
	case 3:
		f.Payment = append(f.Payment, sandbox.Fault{Kind: sandbox.FaultPending, RespCd: []string{"1143", "1145"}[r.IntN(2)], NoQRCode: r.IntN(2) == 0})
	case 4:
		f.Payment = append(f.Payment, sandbox.Fault{Kind: sandbox.FaultMalformed, Processed: r.IntN(2) == 0})
	case 5, 6:
		f.Query = append(f.Query, sandbox.Fault{Kind: sandbox.FaultServerError, Times: times})
	case 7:
		f.Query = append(f.Query, sandbox.Fault{Kind: sandbox.FaultRateLimit, Times: times})
	case 8:
		f.Query = append(f.Query, sandbox.Fault{Kind: sandbox.FaultDrop, Times: times})
	case 9:
		f.Close = append(f.Close, sandbox.Fault{Kind: sandbox.FaultDrop, Processed: r.IntN(2) == 0})
	case 10:
		f.Close = append(f.Close, sandbox.Fault{Kind: sandbox.FaultServerError, Processed: r.IntN(2) == 0})
	case 11:
		f.Close = append(f.Close, sandbox.Fault{Kind: sandbox.FaultRateLimit})
	}
}

// countFaults is how many requests a set of faults hits.
func countFaults(f sandbox.Faults) int64 {
	n := int64(0)
	for _, l := range [][]sandbox.Fault{f.Payment, f.Query, f.Close, f.Reversal, f.Refund, f.OpenID} {
		for _, x := range l {
			n += int64(max(x.Times, 1))
		}
	}
	return n
}

// worker runs sales one after another on its own sandbox, order file and
// virtual clock.
type worker struct {
	id    int
	clock *vclock
	srv   *sandbox.Server
	wit   *witness
	st    *store.Store
	eng   *checkout.Engine
	gw    *payer

	t *tally
}

func newWorker(id int, dir string, o options, t *tally, start time.Time) (*worker, func(), error) {
	clock := &vclock{now: start}
	srv := sandbox.New(sandbox.Config{Now: clock.Now, Location: zone})
	wit := newWitness(srv, clock.Now, zone, o.monthRule)
	hs := httptest.NewServer(wit)
	client, err := payment.NewClient(hs.URL, sandbox.DefaultAppCode, sandbox.DefaultClientKey,
		payment.WithLocation(zone), payment.WithTimeout(10*time.Second), payment.WithRetries(0))
	if err != nil {
		hs.Close()
		return nil, nil, err
	}
	st, err := store.Open(filepath.Join(dir, fmt.Sprintf("worker%02d.db", id)), store.WithNoSync())
	if err != nil {
		hs.Close()
		return nil, nil, err
	}
	gw := &payer{Gateway: client, srv: srv, clock: clock, t: t}
	eng := checkout.New(gw, st, checkout.Settings{
		Currency: money.MustLookup("HKD"), Expiry: 5 * time.Minute, Location: zone,
		Clock: clock, GoodsName: "soak", OrderPrefix: fmt.Sprintf("SK%02d", id),
	})
	w := &worker{id: id, clock: clock, srv: srv, wit: wit, st: st, eng: eng, gw: gw, t: t}
	return w, func() { st.Close(); srv.Close(); hs.Close() }, nil
}

// payer is the gateway between the engine and the sandbox; it plays the
// customer of the sale under way at the moments its plan says.
type payer struct {
	checkout.Gateway
	srv   *sandbox.Server
	clock *vclock
	t     *tally

	mu        sync.Mutex
	p         plan
	sent      []string  // out_trade_nos the sale sent
	target    string    // the QR the payer acts on
	declineAt time.Time // when the payer declines it
	raced     bool
}

func (g *payer) begin(p plan) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.p, g.sent, g.target, g.declineAt, g.raced = p, nil, "", time.Time{}, false
}

func (g *payer) orders() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.sent...)
}

func (g *payer) CreatePayment(ctx context.Context, r payment.PaymentRequest) (*payment.PaymentResponse, error) {
	g.mu.Lock()
	g.sent = append(g.sent, r.OutTradeNo)
	g.mu.Unlock()
	resp, err := g.Gateway.CreatePayment(ctx, r)
	if resp != nil && resp.QRCode != "" {
		g.mu.Lock()
		if g.target == "" { // the first QR the payer could see
			g.target = r.OutTradeNo
			if g.p.payAfter >= 0 {
				g.srv.PayAfter(r.OutTradeNo, max(g.p.payAfter, time.Millisecond))
			}
			if g.p.declineAfter >= 0 {
				g.declineAt = g.clock.Now().Add(g.p.declineAfter)
			}
		}
		g.mu.Unlock()
	}
	return resp, err
}

func (g *payer) Query(ctx context.Context, r payment.QueryRequest) (*payment.QueryResponse, error) {
	g.mu.Lock()
	if !g.declineAt.IsZero() && !g.clock.Now().Before(g.declineAt) {
		g.srv.Decline(g.target) // an error: it is paid, closed or expired already
		g.declineAt = time.Time{}
	}
	g.mu.Unlock()
	return g.Gateway.Query(ctx, r)
}

func (g *payer) Cancel(ctx context.Context, r payment.CancelRequest) (*payment.CancelResponse, error) {
	g.mu.Lock()
	if g.p.closeRace && !g.raced && r.OutTradeNo == g.target {
		// The payer confirms in WeChat just as the close reaches QFPay.
		g.raced = true
		if g.srv.Pay(r.OutTradeNo) == nil {
			g.t.closeRaces.Add(1)
		}
	}
	g.mu.Unlock()
	return g.Gateway.Cancel(ctx, r)
}

// runSales runs o.sales in-process sales on o.workers workers.
func runSales(o options, t *tally) error {
	if o.sales <= 0 {
		return nil
	}
	dir, err := os.MkdirTemp("", "qfpos-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, o.workers)
	base := rand.New(rand.NewPCG(o.seed, 1))
	for id := range o.workers {
		// Each worker's clock starts somewhere in 2026–2027, in the middle of a day.
		start := time.Date(2026, time.Month(1+base.IntN(12)), 1+base.IntN(25), 10, base.IntN(60), 0, 0, zone)
		w, closeFn, err := newWorker(id, dir, o, t, start)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer closeFn()
			for {
				i := next.Add(1) - 1
				if i >= int64(o.sales) {
					return
				}
				if err := w.sale(rand.New(rand.NewPCG(o.seed, uint64(i)+2))); err != nil {
					errs <- fmt.Errorf("worker %d, sale %d: %w", w.id, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// sale runs one sale by its plan, lets start-up recovery settle what it
// left open, and checks its orders against the sandbox.
func (w *worker) sale(r *rand.Rand) error {
	p := drawPlan(r)
	w.t.sales.Add(1)
	if p.monthEdge {
		// Seconds before midnight on the last day of the next month.
		now := w.clock.Now().In(zone)
		firstOfNext := time.Date(now.Year(), now.Month()+2, 1, 0, 0, 0, 0, zone)
		w.clock.setAtLeast(firstOfNext.Add(-time.Duration(2+r.IntN(20)) * time.Second))
		w.t.monthEdges.Add(1)
	} else {
		w.clock.Add(time.Duration(r.Int64N(int64(10 * time.Minute))))
	}
	w.srv.SetFaults(p.faults)
	w.gw.begin(p)
	ctx := context.Background()
	sale, err := w.eng.Start(ctx, checkout.Request{Amount: p.amount, Timeout: p.timeout})
	if err != nil {
		return err
	}
	go func() {
		for ev := range sale.Events() {
			if p.cashierCancel && ev.QRCode != "" && !ev.Final {
				sale.Cancel()
			}
		}
	}()
	final := sale.Wait()
	nos := w.gw.orders()
	if final.OutTradeNo != "" && !contains(nos, final.OutTradeNo) {
		nos = append(nos, final.OutTradeNo) // never sent: local only
	}

	// What the sale said, against the sandbox at that moment.
	if final.State == store.StatePaid {
		if v, ok := w.srv.Order(final.OutTradeNo); !ok || v.State != sandbox.StatePaid {
			w.t.falsePaid.Add(1)
			w.t.finding("false_paid: sale %s ended paid, sandbox says %s", final.OutTradeNo, v.State)
		}
	}
	if final.State != store.StateUnknown {
		for _, no := range nos {
			if v, ok := w.srv.Order(no); ok && v.State == sandbox.StatePending {
				w.t.payableAfterEnd.Add(1)
				w.t.finding("payable_after_end: sale ended %s, its order %s is still payable at the sandbox until %s",
					final.State, no, v.ExpiresAt.In(zone).Format(time.DateTime))
			}
		}
	}

	// Start-up recovery settles what is left open, as after a restart.
	for round := 0; round < 8; round++ {
		open, err := w.st.NotFinal()
		if err != nil {
			return err
		}
		if len(open) == 0 {
			break
		}
		w.clock.Add(30*time.Second + time.Duration(r.Int64N(int64(3*time.Minute))))
		if _, err := w.eng.Recover(ctx); err != nil {
			return err
		}
	}
	w.t.kitFaults.Add(countFaults(p.faults) - countFaults(w.srv.Faults()))
	w.srv.SetFaults(sandbox.Faults{})

	for _, no := range nos {
		w.check(no, p)
	}
	return nil
}

// check compares one order in the file with the sandbox's truth.
func (w *worker) check(no string, p plan) {
	local, err := w.st.Get(no)
	if err != nil {
		w.t.finding("order %s sent to the sandbox is not in the file: %v", no, err)
		w.t.otherMismatch.Add(1)
		return
	}
	v, ok := w.srv.Order(no)
	if n := w.wit.sends(no); n > 1 {
		w.t.sentTwice.Add(1)
		w.t.finding("sent_twice: %s reached the sandbox %d times", no, n)
	}
	switch {
	case local.State == store.StatePaid && (!ok || v.State != sandbox.StatePaid):
		w.t.falsePaid.Add(1)
		w.t.finding("false_paid: %s is paid here, sandbox says %s", no, v.State)
	case ok && v.State == sandbox.StatePaid && local.State != store.StatePaid:
		w.t.lost.Add(1)
		w.t.finding("lost_payment: %s paid at the sandbox (sysdtm %s, paydtm %s), %s here after recovery (month edge %v); last note %q",
			no, v.SysDtm, v.PayDtm, local.State, p.monthEdge, lastNote(local))
	case !local.State.Final():
		w.t.unsettled.Add(1)
		w.t.finding("unsettled: %s still %s after recovery, sandbox says %s", no, local.State, v.State)
	case !agrees(local.State, v, ok):
		w.t.otherMismatch.Add(1)
		w.t.finding("mismatch: %s is %s here, sandbox says %s (found %v)", no, local.State, v.State, ok)
	}
}

// agrees says whether a final local state fits the sandbox's state.
func agrees(st store.State, v sandbox.OrderView, atSandbox bool) bool {
	switch {
	case !atSandbox:
		return st == store.StateFailed
	case v.State == sandbox.StatePaid:
		return st == store.StatePaid
	case v.State == sandbox.StateDeclined:
		return st == store.StateFailed
	case v.State == sandbox.StateClosed, v.State == sandbox.StateExpired:
		return st == store.StateCancelled || st == store.StateExpired || st == store.StateFailed
	}
	return false // pending at the sandbox, final here
}

func lastNote(o *store.Order) string {
	if len(o.History) == 0 {
		return ""
	}
	return fmt.Sprintf("%+v", o.History[len(o.History)-1])
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
