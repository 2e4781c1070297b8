package checkout_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// openid runs the sandbox's OAuth step and the openid exchange, as the
// JSAPI pages do for a customer in WeChat.
func (r *rig) openid(t *testing.T) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(r.client.OAuthCodeURL("https://shop.example/jsapi/cb"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("oauth: HTTP %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	id, err := r.client.OpenID(context.Background(), loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// attempt starts a JSAPI attempt for the sale's order and expects pay_params.
func (r *rig) attempt(t *testing.T, parent string) *store.Order {
	t.Helper()
	a, pp, err := r.eng.StartAttempt(context.Background(), parent, r.openid(t))
	if err != nil {
		t.Fatalf("StartAttempt: %v", err)
	}
	if pp == nil || pp.Package == "" || pp.PaySign == "" {
		t.Fatalf("pay_params = %+v", pp)
	}
	if a.State != store.StateAwaiting || a.Parent != parent || a.PayType != payment.PayTypeWeChatJSAPI || a.OutTradeNo == parent || a.SysSN == "" {
		t.Fatalf("attempt = %+v", a)
	}
	return a
}

// gate stands between the engine and the sandbox: it can cut QFPay off
// for some orders (their closes and queries fail as a dropped
// connection), hold queries until released, and it counts closes and
// queries per order.
type gate struct {
	checkout.Gateway
	mu      sync.Mutex
	cut     map[string]bool
	hold    chan struct{} // non-nil: queries wait until it is closed
	held    chan struct{} // gets a value when a query starts waiting
	closes  map[string]int
	queries map[string]int // queries naming the order
	single  map[string]int // queries for that order alone
}

func (g *gate) Query(ctx context.Context, r payment.QueryRequest) (*payment.QueryResponse, error) {
	g.mu.Lock()
	hold, held, cut := g.hold, g.held, false
	for _, no := range r.OutTradeNo {
		g.queries[no]++
		cut = cut || g.cut[no]
	}
	if len(r.OutTradeNo) == 1 {
		g.single[r.OutTradeNo[0]]++
	}
	g.mu.Unlock()
	if cut {
		return nil, &payment.Error{Op: "query", Err: errors.New("connection reset (test)")}
	}
	if hold != nil {
		select {
		case held <- struct{}{}:
		default:
		}
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Gateway.Query(ctx, r)
}

func (g *gate) Cancel(ctx context.Context, r payment.CancelRequest) (*payment.CancelResponse, error) {
	g.mu.Lock()
	g.closes[r.OutTradeNo]++
	cut := g.cut[r.OutTradeNo]
	g.mu.Unlock()
	if cut {
		return nil, &payment.Error{Op: "close", Err: errors.New("connection reset (test)")}
	}
	return g.Gateway.Cancel(ctx, r)
}

// cutOff makes QFPay unreachable for the closes and queries of no (""
// restores it for every order).
func (g *gate) cutOff(no string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if no == "" {
		clear(g.cut)
		return
	}
	g.cut[no] = true
}

// count returns how many closes, queries and queries of its own order no had.
func (g *gate) count(no string) (closes, queries, single int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closes[no], g.queries[no], g.single[no]
}

// syncBuffer is a log destination tests can read while the engine writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// gated puts a gate between the rig's engine and the sandbox (a fresh
// engine on the same store and settings, logging to the buffer returned);
// call it before starting a sale.
func (r *rig) gated() (*gate, *syncBuffer) {
	g := &gate{Gateway: r.client, cut: map[string]bool{}, closes: map[string]int{}, queries: map[string]int{}, single: map[string]int{}}
	logs := &syncBuffer{}
	s := r.eng.Settings()
	s.Logger = slog.New(slog.NewTextHandler(logs, nil))
	r.eng = checkout.New(g, r.st, s)
	return g, logs
}

func TestJSAPIAttemptPaidEndsSalePaid(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 1250)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	if a.Amount != 1250 || a.Currency != "HKD" || a.GoodsName != "tea" {
		t.Errorf("attempt = %+v", a)
	}
	if v := r.remote(t, a.OutTradeNo); v.PayType != "800207" || v.Amount != 1250 {
		t.Errorf("sandbox attempt = %+v", v)
	}
	if err := r.srv.Pay(a.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	// The result page asks; the server settles by query.
	got, err := r.eng.CheckAttempt(context.Background(), a.OutTradeNo)
	if err != nil || got.State != store.StatePaid {
		t.Fatalf("CheckAttempt = %+v, %v", got, err)
	}
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || final.PaidOutTradeNo != a.OutTradeNo || final.OutTradeNo != qr.OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
	if strings.Contains(final.Message, "twice") {
		t.Errorf("final message %q", final.Message)
	}
	// The 800201 QR is closed at QFPay and confirmed unpaid.
	if p := r.order(t, qr.OutTradeNo); p.State != store.StateCancelled {
		t.Errorf("parent = %s, want cancelled", p.State)
	}
	if v := r.remote(t, qr.OutTradeNo); v.Cancel != 2 {
		t.Errorf("sandbox parent = %+v, want closed", v)
	}
	if err := r.srv.Pay(qr.OutTradeNo); err == nil {
		t.Error("the 800201 QR can still be paid after the JSAPI payment")
	}
	// The sale takes no more attempts.
	if _, _, err := r.eng.StartAttempt(context.Background(), qr.OutTradeNo, "ofake"); !errors.Is(err, checkout.ErrNotOpen) {
		t.Errorf("StartAttempt after the sale = %v, want ErrNotOpen", err)
	}
}

func TestJSAPIPaidSeenByTheSalesOwnQuery(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 990)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	if err := r.srv.Pay(a.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || final.PaidOutTradeNo != a.OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StatePaid || o.PaidAt.IsZero() {
		t.Errorf("attempt = %+v", o)
	}
}

func TestJSAPIDeclinedThenPaidByAnotherAttempt(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 700)
	qr := waitQR(t, ev)
	a1 := r.attempt(t, qr.OutTradeNo)
	if err := r.srv.Decline(a1.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	got, err := r.eng.CheckAttempt(context.Background(), a1.OutTradeNo)
	if err != nil || got.State != store.StateFailed {
		t.Fatalf("declined attempt = %+v, %v", got, err)
	}
	select {
	case <-sale.Done():
		t.Fatalf("a declined attempt ended the sale: %+v", sale.Wait())
	case <-time.After(100 * time.Millisecond):
	}
	a2 := r.attempt(t, qr.OutTradeNo)
	r.srv.Pay(a2.OutTradeNo)
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || final.PaidOutTradeNo != a2.OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
	if o := r.order(t, a1.OutTradeNo); o.State != store.StateFailed {
		t.Errorf("declined attempt ended %s", o.State)
	}
}

func TestJSAPICancelClosesOpenAttempts(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 600)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	sale.Cancel()
	final := waitFinal(t, sale)
	if final.State != store.StateCancelled || final.PaidOutTradeNo != "" {
		t.Fatalf("final = %+v", final)
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StateCancelled {
		t.Errorf("attempt = %s, want cancelled", o.State)
	}
	if v := r.remote(t, a.OutTradeNo); v.Cancel != 2 {
		t.Errorf("sandbox attempt = %+v, want closed", v)
	}
}

func TestJSAPIAttemptPaidDuringCancelMakesTheSalePaid(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 650)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	// The customer pays in WeChat just as the cashier cancels: the closes
	// reach QFPay late.
	r.srv.SetFaults(sandbox.Faults{Close: []sandbox.Fault{{Kind: sandbox.FaultLatency, Delay: 200 * time.Millisecond, Times: 2}}})
	sale.Cancel()
	time.Sleep(50 * time.Millisecond)
	if err := r.srv.Pay(a.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || final.PaidOutTradeNo != a.OutTradeNo {
		t.Fatalf("final = %+v, want paid by the attempt", final)
	}
	if p := r.order(t, qr.OutTradeNo); p.State != store.StateCancelled {
		t.Errorf("parent = %s", p.State)
	}
}

func TestJSAPIQRPaidClosesAttempts(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 800)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	r.srv.Pay(qr.OutTradeNo)
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || final.PaidOutTradeNo != "" || strings.Contains(final.Message, "twice") {
		t.Fatalf("final = %+v", final)
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StateCancelled {
		t.Errorf("attempt = %s, want cancelled", o.State)
	}
	if err := r.srv.Pay(a.OutTradeNo); err == nil {
		t.Error("the JSAPI attempt can still be paid after the QR was")
	}
}

func TestJSAPIPaidTwiceIsSaid(t *testing.T) {
	r := newRig(t, func(s *checkout.Settings) {
		s.Poll = checkout.Poll{Fast: time.Hour, Slow: time.Hour, FastFor: time.Hour}
	})
	g, _ := r.gated()
	sale, ev := r.start(t, 1100)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	// Both are paid before the sale looks again.
	r.srv.Pay(qr.OutTradeNo)
	r.srv.Pay(a.OutTradeNo)
	if _, err := r.eng.CheckAttempt(context.Background(), a.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || final.PaidOutTradeNo != a.OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
	if !strings.Contains(final.Message, "paid twice — refund one") ||
		!strings.Contains(final.Message, qr.OutTradeNo) || !strings.Contains(final.Message, a.OutTradeNo) {
		t.Errorf("final message %q", final.Message)
	}
	if p := r.order(t, qr.OutTradeNo); p.State != store.StatePaid {
		t.Errorf("parent = %s, want paid (recorded, to refund)", p.State)
	}
	if closes, _, _ := g.count(qr.OutTradeNo); closes != 0 {
		t.Errorf("the paid QR order was closed %d times", closes)
	}
}

// The sale's own query finds the attempt and the QR order both paid: the
// QR order is recorded paid from that very answer and never closed.
func TestJSAPIPaidTwiceInOneQuery(t *testing.T) {
	r := newRig(t, nil)
	g, _ := r.gated()
	sale, ev := r.start(t, 1200)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	hold := make(chan struct{})
	g.mu.Lock()
	g.hold, g.held = hold, make(chan struct{}, 1)
	held := g.held
	g.mu.Unlock()
	select {
	case <-held: // the sale's next query waits
	case <-time.After(10 * time.Second):
		t.Fatal("the sale did not query")
	}
	r.srv.Pay(qr.OutTradeNo)
	r.srv.Pay(a.OutTradeNo)
	g.mu.Lock()
	g.hold = nil
	g.mu.Unlock()
	close(hold)
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || final.PaidOutTradeNo != a.OutTradeNo || !strings.Contains(final.Message, "paid twice — refund one") {
		t.Fatalf("final = %+v", final)
	}
	if p := r.order(t, qr.OutTradeNo); p.State != store.StatePaid {
		t.Errorf("parent = %s, want paid", p.State)
	}
	if closes, _, _ := g.count(qr.OutTradeNo); closes != 0 {
		t.Errorf("the paid QR order was closed %d times", closes)
	}
}

func TestJSAPIAttemptRefused(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 500)
	qr := waitQR(t, ev)
	openid := r.openid(t)
	r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultPending, RespCd: "1250", NoQRCode: true}}})
	a, pp, err := r.eng.StartAttempt(context.Background(), qr.OutTradeNo, openid)
	if !errors.Is(err, checkout.ErrAttemptRefused) || pp != nil {
		t.Fatalf("StartAttempt = %v, %+v, want ErrAttemptRefused", err, pp)
	}
	if a == nil || a.State != store.StateFailed || a.RespCd != "1250" {
		t.Fatalf("attempt = %+v", a)
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StateFailed || o.Parent != qr.OutTradeNo {
		t.Errorf("stored attempt = %+v", o)
	}
	// The refused attempt is settled: cancelling the sale is a plain cancel.
	sale.Cancel()
	if final := waitFinal(t, sale); final.State != store.StateCancelled || final.PaidOutTradeNo != "" || final.Message != "cancelled; the customer was not charged" {
		t.Errorf("final = %+v", final)
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StateFailed {
		t.Errorf("attempt after the sale = %s, want failed", o.State)
	}
}

func TestJSAPIAttemptUnknownShowsNoPayParams(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 500)
	qr := waitQR(t, ev)
	openid := r.openid(t)
	// QFPay creates the payment, but the answer is lost.
	r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}}})
	a, pp, err := r.eng.StartAttempt(context.Background(), qr.OutTradeNo, openid)
	if !errors.Is(err, checkout.ErrAttemptUnknown) || pp != nil {
		t.Fatalf("StartAttempt = %v, %+v, want ErrAttemptUnknown and no pay_params", err, pp)
	}
	if a == nil || a.State != store.StateUnknown {
		t.Fatalf("attempt = %+v", a)
	}
	if n := len(r.srv.Orders()); n != 2 {
		t.Errorf("sandbox has %d orders, want 2 (the payment was never sent twice)", n)
	}
	// The sale closes it at its end.
	sale.Cancel()
	if final := waitFinal(t, sale); final.State != store.StateCancelled {
		t.Fatalf("final = %+v", final)
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StateCancelled {
		t.Errorf("attempt = %s, want cancelled", o.State)
	}
	if v := r.remote(t, a.OutTradeNo); v.Cancel != 2 {
		t.Errorf("sandbox attempt = %+v", v)
	}
}

func TestJSAPIAttemptPendingWithPayParams(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 500)
	qr := waitQR(t, ev)
	openid := r.openid(t)
	r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultPending, RespCd: "1145"}}})
	a, pp, err := r.eng.StartAttempt(context.Background(), qr.OutTradeNo, openid)
	if err != nil || pp == nil || a.State != store.StateAwaiting {
		t.Fatalf("StartAttempt = %+v, %+v, %v", a, pp, err)
	}
	if o := r.order(t, a.OutTradeNo); o.History[1].To != store.StateUnknown {
		t.Errorf("history = %+v, want creating → unknown → awaiting", o.History)
	}
	r.srv.Pay(a.OutTradeNo)
	if final := waitFinal(t, sale); final.State != store.StatePaid || final.PaidOutTradeNo != a.OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
}

func TestJSAPINotOpen(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	if _, _, err := r.eng.StartAttempt(ctx, "QFNOSUCHORDER", "oabc"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	sale, ev := r.start(t, 500)
	qr := waitQR(t, ev)
	if _, _, err := r.eng.StartAttempt(ctx, qr.OutTradeNo, " "); err == nil {
		t.Error("StartAttempt without an openid succeeded")
	}
	a := r.attempt(t, qr.OutTradeNo)
	if _, _, err := r.eng.StartAttempt(ctx, a.OutTradeNo, "oabc"); !errors.Is(err, checkout.ErrNotOpen) {
		t.Errorf("attempt of an attempt: %v", err)
	}
	if _, err := r.eng.CheckAttempt(ctx, qr.OutTradeNo); !errors.Is(err, checkout.ErrNotAttempt) {
		t.Errorf("CheckAttempt of the 800201 order: %v", err)
	}
	if err := r.eng.NoteAttempt(qr.OutTradeNo, "no OAuth code"); err != nil {
		t.Fatal(err)
	}
	p := r.order(t, qr.OutTradeNo)
	if h := p.History[len(p.History)-1]; h.To != store.StateAwaiting || h.From != store.StateAwaiting || !strings.Contains(h.Cause, "no OAuth code") {
		t.Errorf("note = %+v", h)
	}
	sale.Cancel()
	waitFinal(t, sale)
	if p, err := r.eng.CanAttempt(qr.OutTradeNo); !errors.Is(err, checkout.ErrNotOpen) || p == nil || p.State != store.StateCancelled {
		t.Errorf("CanAttempt after cancel = %+v, %v", p, err)
	}
	n := len(r.order(t, qr.OutTradeNo).History)
	r.eng.NoteAttempt(qr.OutTradeNo, "late")
	if len(r.order(t, qr.OutTradeNo).History) != n {
		t.Error("NoteAttempt wrote to the order of a finished sale")
	}

	// An order no sale of this engine runs takes no attempts, even awaiting.
	o := &store.Order{OutTradeNo: store.NewOutTradeNo("QF"), PayType: "800201", Amount: 100, Currency: "HKD",
		State: store.StateAwaiting, ExpiresAt: time.Now().Add(time.Hour)}
	if err := r.st.Create(o); err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.CanAttempt(o.OutTradeNo); !errors.Is(err, checkout.ErrNotOpen) {
		t.Errorf("order without a running sale: %v", err)
	}
}

// An attempt whose close cannot be confirmed may still be paid: the sale
// ends unknown, naming it, never "cancelled, not charged". When it turns
// out paid later, the sale's QR order says so, the log has an error, and
// Reconcile reports it; a sale that ended paid by its attempt is not.
func TestJSAPICloseUnconfirmedEndsUnknown(t *testing.T) {
	r := newRig(t, nil)
	g, logs := r.gated()
	ctx := context.Background()
	sale, ev := r.start(t, 900)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	g.cutOff(a.OutTradeNo)
	sale.Cancel()
	final := waitFinal(t, sale)
	if final.State != store.StateUnknown || final.PaidOutTradeNo != "" || !strings.Contains(final.Message, a.OutTradeNo) ||
		strings.Contains(final.Message, "not charged") {
		t.Fatalf("final = %+v, want unknown naming the attempt", final)
	}
	if p := r.order(t, qr.OutTradeNo); p.State != store.StateCancelled {
		t.Errorf("parent = %s, want cancelled", p.State)
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StateUnknown {
		t.Fatalf("attempt = %s, want unknown", o.State)
	}

	// The customer pays it after all; the result page finds out.
	g.cutOff("")
	if err := r.srv.Pay(a.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	got, err := r.eng.CheckAttempt(ctx, a.OutTradeNo)
	if err != nil || got.State != store.StatePaid {
		t.Fatalf("CheckAttempt = %+v, %v", got, err)
	}
	p := r.order(t, qr.OutTradeNo)
	if h := p.History[len(p.History)-1]; !strings.Contains(h.Cause, "paid as attempt "+a.OutTradeNo+" after the sale ended") || h.To != store.StateCancelled {
		t.Errorf("parent's last history entry = %+v", h)
	}
	if !strings.Contains(logs.String(), "level=ERROR msg=\"a WeChat JSAPI attempt was paid after its sale ended") {
		t.Errorf("no error logged:\n%s", logs)
	}

	// Another sale, paid by its attempt as usual.
	sale2, ev2 := r.start(t, 950)
	qr2 := waitQR(t, ev2)
	a2 := r.attempt(t, qr2.OutTradeNo)
	r.srv.Pay(a2.OutTradeNo)
	if final := waitFinal(t, sale2); final.State != store.StatePaid || final.PaidOutTradeNo != a2.OutTradeNo {
		t.Fatalf("second sale = %+v", final)
	}
	ms, err := r.eng.Reconcile(ctx, r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].OutTradeNo != a.OutTradeNo || !strings.Contains(ms[0].Problem, qr.OutTradeNo) ||
		!strings.Contains(ms[0].Problem, "not paid") || !strings.Contains(ms[0].Problem, "refund") {
		t.Errorf("mismatches = %+v, want the late attempt alone", ms)
	}
}

// While the sale runs, its own query asks for every open attempt: a
// result page checking just after it gets what the sale's next query
// records, without a query of its own.
func TestJSAPICheckAttemptDuringTheSale(t *testing.T) {
	r := newRig(t, nil)
	g, _ := r.gated()
	sale, ev := r.start(t, 300)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, n, _ := g.count(a.OutTradeNo); n >= 2 {
			break // the sale has asked for it, and its first answer is in
		}
		if time.Now().After(deadline) {
			t.Fatal("the sale never asked for the attempt")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 3 {
		if got, err := r.eng.CheckAttempt(context.Background(), a.OutTradeNo); err != nil || got.State != store.StateAwaiting {
			t.Fatalf("CheckAttempt = %+v, %v", got, err)
		}
	}
	// The customer pays and lands on the result page: it gets what the
	// sale's next query says, not the state stored before the payment.
	if err := r.srv.Pay(a.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	if got, err := r.eng.CheckAttempt(context.Background(), a.OutTradeNo); err != nil || got.State != store.StatePaid {
		t.Errorf("CheckAttempt just after paying = %+v, %v, want paid", got, err)
	}
	if _, _, single := g.count(a.OutTradeNo); single != 0 {
		t.Errorf("CheckAttempt queried the attempt %d times while the sale was asking for it", single)
	}
	if final := waitFinal(t, sale); final.PaidOutTradeNo != a.OutTradeNo {
		t.Errorf("final = %+v", final)
	}
}

// Once the sale is over, nothing else queries its attempts: a result page
// polling one that is still unknown asks QFPay at most once a second.
func TestJSAPICheckAttemptAfterTheSale(t *testing.T) {
	r := newRig(t, nil)
	g, _ := r.gated()
	sale, ev := r.start(t, 400)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	g.cutOff(a.OutTradeNo)
	sale.Cancel()
	if final := waitFinal(t, sale); final.State != store.StateUnknown {
		t.Fatalf("final = %+v", final)
	}
	g.cutOff("")
	_, _, before := g.count(a.OutTradeNo)
	for range 5 {
		if got, err := r.eng.CheckAttempt(context.Background(), a.OutTradeNo); err != nil || got.State != store.StateUnknown {
			t.Fatalf("CheckAttempt = %+v, %v", got, err)
		}
	}
	if _, _, after := g.count(a.OutTradeNo); after-before != 1 {
		t.Errorf("5 checks within a second queried QFPay %d times, want 1", after-before)
	}
}

// The failed tries a page notes (unauthenticated requests can make them)
// use up their own budget, never the note of the payment itself.
func TestJSAPIPaidNoteOutsideTheBudget(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 450)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	for range 30 {
		if err := r.eng.NoteAttempt(qr.OutTradeNo, "no OAuth code at the callback"); err != nil {
			t.Fatal(err)
		}
	}
	r.srv.Pay(a.OutTradeNo)
	if final := waitFinal(t, sale); final.PaidOutTradeNo != a.OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
	found, notes := false, 0
	for _, h := range r.order(t, qr.OutTradeNo).History {
		found = found || strings.Contains(h.Cause, "paid as order "+a.OutTradeNo+"; closing this QR")
		if strings.Contains(h.Cause, "no OAuth code") {
			notes++
		}
	}
	if !found || notes != 20 {
		t.Errorf("paid note written: %v; %d failed tries noted, want 20", found, notes)
	}
}

// Attempts started at once at the limit: the limit holds.
func TestJSAPIConcurrentAttemptsAtTheLimit(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 350)
	qr := waitQR(t, ev)
	openid := r.openid(t)
	ctx := context.Background()
	for i := 1; i < 20; i++ {
		if _, _, err := r.eng.StartAttempt(ctx, qr.OutTradeNo, openid); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := r.eng.StartAttempt(ctx, qr.OutTradeNo, openid)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	started := 0
	for err := range errs {
		switch {
		case err == nil:
			started++
		case !errors.Is(err, checkout.ErrNotOpen):
			t.Errorf("StartAttempt at the limit: %v", err)
		}
	}
	if started != 1 {
		t.Errorf("%d of 8 concurrent attempts started at 19 of 20", started)
	}
	sale.Cancel()
	waitFinal(t, sale)
	n := 0
	for _, o := range r.srv.Orders() {
		if o.PayType == payment.PayTypeWeChatJSAPI {
			n++
		}
	}
	if n != 20 {
		t.Errorf("%d attempts sent to QFPay, want 20", n)
	}
}

// The JSAPI page's QR is shown with the sale's: the sale takes attempts
// from the moment its QR event is out.
func TestJSAPIOpenAsTheQRIsShown(t *testing.T) {
	r := newRig(t, nil)
	for i := range 20 {
		sale, err := r.eng.Start(context.Background(), checkout.Request{Amount: int64(100 + i)})
		if err != nil {
			t.Fatal(err)
		}
		for ev := range sale.Events() {
			if ev.QRCode != "" {
				if _, err := r.eng.CanAttempt(ev.OutTradeNo); err != nil {
					t.Errorf("sale %d: CanAttempt as its QR is shown: %v", i, err)
				}
				break
			}
		}
		sale.Cancel()
		waitFinal(t, sale)
	}
}
