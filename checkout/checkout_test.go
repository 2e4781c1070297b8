package checkout_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/internal/testrig"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// shiftClock is the real clock moved by an offset tests can change.
type shiftClock struct{ offset atomic.Int64 }

func (c *shiftClock) Now() time.Time                         { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *shiftClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (c *shiftClock) Add(d time.Duration)                    { c.offset.Add(int64(d)) }

type rig struct {
	srv    *sandbox.Server
	client *payment.Client
	st     *store.Store
	eng    *checkout.Engine
	clock  *shiftClock
}

func newRig(t *testing.T, tweak func(*checkout.Settings)) *rig {
	t.Helper()
	clock := &shiftClock{}
	r := testrig.New(t, testrig.Options{
		Sandbox: sandbox.Config{Now: clock.Now},
		Settings: func(s *checkout.Settings) {
			s.Clock = clock
			if tweak != nil {
				tweak(s)
			}
		},
	})
	return &rig{srv: r.Sandbox, client: r.Client, st: r.Store, eng: r.Engine, clock: clock}
}

// start runs a sale of amount and returns it with a channel of the events
// it emitted (collected in the background).
func (r *rig) start(t *testing.T, amount int64) (*checkout.Sale, *events) {
	t.Helper()
	sale, err := r.eng.Start(context.Background(), checkout.Request{Amount: amount})
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{qr: make(chan checkout.Event, 8)}
	go func() {
		for e := range sale.Events() {
			ev.add(e)
		}
	}()
	return sale, ev
}

type events struct {
	mu   sync.Mutex
	all  []checkout.Event
	qr   chan checkout.Event
	seen map[string]bool
}

func (e *events) add(ev checkout.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
	if ev.QRCode != "" && !ev.Final {
		if e.seen == nil {
			e.seen = map[string]bool{}
		}
		if !e.seen[ev.QRCode] {
			e.seen[ev.QRCode] = true
			e.qr <- ev
		}
	}
}

func (e *events) trouble() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.Trouble != nil {
			n++
		}
	}
	return n
}

// waitQR waits for the QR event of a sale.
func waitQR(t *testing.T, ev *events) checkout.Event {
	t.Helper()
	select {
	case e := <-ev.qr:
		return e
	case <-time.After(20 * time.Second):
		t.Fatal("no QR shown")
	}
	return checkout.Event{}
}

func waitFinal(t *testing.T, sale *checkout.Sale) checkout.Event {
	t.Helper()
	select {
	case <-sale.Done():
		return sale.Wait()
	case <-time.After(30 * time.Second):
		t.Fatal("sale did not end")
	}
	return checkout.Event{}
}

func (r *rig) order(t *testing.T, no string) *store.Order {
	t.Helper()
	o, err := r.st.Get(no)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// remote returns the sandbox's true state of an order.
func (r *rig) remote(t *testing.T, no string) sandbox.OrderView {
	t.Helper()
	v, ok := r.srv.Order(no)
	if !ok {
		t.Fatalf("sandbox has no order %s", no)
	}
	return v
}

func TestHappyPath(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 1250)
	qr := waitQR(t, ev)
	o := r.order(t, qr.OutTradeNo)
	if o.State != store.StateAwaiting || o.QRCode != qr.QRCode || o.SysSN == "" {
		t.Fatalf("awaiting order = %+v", o)
	}
	if qr.ExpiresAt.IsZero() || qr.TimeLeft <= 0 || qr.Amount != 1250 || qr.Currency != "HKD" {
		t.Errorf("QR event = %+v", qr)
	}
	if err := r.srv.Pay(qr.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	final := waitFinal(t, sale)
	if final.State != store.StatePaid || !final.Final || final.RespCd != "0000" {
		t.Fatalf("final = %+v", final)
	}
	o = r.order(t, qr.OutTradeNo)
	if o.State != store.StatePaid || o.PaidAt.IsZero() || o.GoodsName != "tea" {
		t.Errorf("paid order = %+v", o)
	}
	wantHistory := []store.State{store.StateCreating, store.StateAwaiting, store.StatePaid}
	if len(o.History) != len(wantHistory) {
		t.Fatalf("history = %+v", o.History)
	}
	for i, h := range o.History {
		if h.To != wantHistory[i] || h.At.IsZero() || h.Cause == "" {
			t.Errorf("history[%d] = %+v, want → %s", i, h, wantHistory[i])
		}
	}
	if n := len(r.srv.Orders()); n != 1 {
		t.Errorf("sandbox has %d orders, want 1", n)
	}
}

func TestInvalidAmountStoresNothing(t *testing.T) {
	r := newRig(t, func(s *checkout.Settings) { s.MaxTxamt = 100_000 })
	for _, amt := range []int64{0, -5, 100_001} {
		if _, err := r.eng.Start(context.Background(), checkout.Request{Amount: amt}); !errors.Is(err, checkout.ErrInvalidAmount) {
			t.Errorf("Start(%d) = %v, want ErrInvalidAmount", amt, err)
		}
	}
	for _, s := range []string{"", "0", "-1", "1.234", "abc", "1000.01", "1e3"} {
		if _, err := r.eng.ParseAmount(s); !errors.Is(err, checkout.ErrInvalidAmount) {
			t.Errorf("ParseAmount(%q) = %v, want ErrInvalidAmount", s, err)
		}
	}
	if n, _ := r.st.Count(); n != 0 {
		t.Errorf("store has %d orders", n)
	}
	if n := len(r.srv.Orders()); n != 0 {
		t.Errorf("sandbox has %d orders", n)
	}
}

func TestDeclineFails(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 500)
	qr := waitQR(t, ev)
	if err := r.srv.Decline(qr.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	if final := waitFinal(t, sale); final.State != store.StateFailed {
		t.Fatalf("final = %+v", final)
	}
}

func TestExpiryClosesAtQFPay(t *testing.T) {
	r := newRig(t, func(s *checkout.Settings) { s.Expiry = 300 * time.Millisecond })
	sale, ev := r.start(t, 500)
	qr := waitQR(t, ev)
	final := waitFinal(t, sale)
	if final.State != store.StateExpired {
		t.Fatalf("final = %+v", final)
	}
	if v := r.remote(t, qr.OutTradeNo); v.Cancel != 2 {
		t.Errorf("sandbox order after expiry = %+v, want closed (cancel=2)", v)
	}
}

func TestCancelClosesAtQFPay(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 500)
	qr := waitQR(t, ev)
	sale.Cancel()
	if final := waitFinal(t, sale); final.State != store.StateCancelled {
		t.Fatalf("final = %+v", final)
	}
	if v := r.remote(t, qr.OutTradeNo); v.Cancel != 2 {
		t.Errorf("sandbox order after cancel = %+v", v)
	}
	// A context that ends cancels the same way.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sale2, err := r.eng.Start(ctx, checkout.Request{Amount: 600})
	if err != nil {
		t.Fatal(err)
	}
	for e := range sale2.Events() {
		if e.QRCode != "" {
			cancel()
		}
	}
	if final := sale2.Wait(); final.State != store.StateCancelled {
		t.Fatalf("ctx cancel: final = %+v", final)
	}
}

func TestPaymentLandingDuringCancelIsPaid(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 800)
	qr := waitQR(t, ev)
	// The close reaches QFPay only after the customer has paid.
	r.srv.SetFaults(sandbox.Faults{Close: []sandbox.Fault{{Kind: sandbox.FaultLatency, Delay: 300 * time.Millisecond}}})
	sale.Cancel()
	time.Sleep(50 * time.Millisecond)
	if err := r.srv.Pay(qr.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	if final := waitFinal(t, sale); final.State != store.StatePaid {
		t.Fatalf("final = %+v, want paid", final)
	}
	if o := r.order(t, qr.OutTradeNo); o.State != store.StatePaid {
		t.Errorf("order = %s", o.State)
	}
}

func TestQueryTroubleDuringPolling(t *testing.T) {
	kinds := []sandbox.Fault{
		// More failures in a row than the client retries, so the sale sees them.
		{Kind: sandbox.FaultServerError, Times: 4},
		{Kind: sandbox.FaultRateLimit, Times: 2, RetryAfter: time.Second},
		{Kind: sandbox.FaultMalformed, Times: 4},
		{Kind: sandbox.FaultDrop, Times: 4},
		{Kind: sandbox.FaultLatency, Delay: 3 * time.Second, Times: 2}, // beyond the client's timeout
	}
	for _, f := range kinds {
		t.Run(string(f.Kind), func(t *testing.T) {
			r := newRig(t, nil)
			sale, ev := r.start(t, 700)
			qr := waitQR(t, ev)
			r.srv.SetFaults(sandbox.Faults{Query: []sandbox.Fault{f}})
			if err := r.srv.Pay(qr.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			final := waitFinal(t, sale)
			if final.State != store.StatePaid {
				t.Fatalf("final = %+v, want paid despite %s", final, f.Kind)
			}
			if ev.trouble() == 0 && f.Kind != sandbox.FaultRateLimit {
				t.Errorf("no network-trouble event for %s", f.Kind)
			}
		})
	}
}

func TestCreateAnsweredPendingWithQR(t *testing.T) {
	for _, code := range []string{"1143", "1145", "1298"} {
		t.Run(code, func(t *testing.T) {
			r := newRig(t, nil)
			r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultPending, RespCd: code}}})
			sale, ev := r.start(t, 900)
			qr := waitQR(t, ev)
			if err := r.srv.Pay(qr.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			if final := waitFinal(t, sale); final.State != store.StatePaid {
				t.Fatalf("final = %+v", final)
			}
			if n := len(r.srv.Orders()); n != 1 {
				t.Errorf("sandbox has %d orders, want 1 (never POST the same sale twice)", n)
			}
			o := r.order(t, qr.OutTradeNo)
			if o.History[1].To != store.StateUnknown {
				t.Errorf("history = %+v, want creating → unknown → awaiting → paid", o.History)
			}
		})
	}
}

func TestCreateUnknownWithoutQROpensFreshOrder(t *testing.T) {
	faults := map[string]sandbox.Fault{
		"pending-no-qr":       {Kind: sandbox.FaultPending, RespCd: "1145", NoQRCode: true},
		"dropped-processed":   {Kind: sandbox.FaultDrop, Processed: true},
		"5xx-processed":       {Kind: sandbox.FaultServerError, Processed: true},
		"garbage-processed":   {Kind: sandbox.FaultMalformed, Processed: true},
		"timeout-processed":   {Kind: sandbox.FaultLatency, Delay: 3 * time.Second},
		"dropped-unprocessed": {Kind: sandbox.FaultDrop},
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, nil)
			r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{f}})
			sale, ev := r.start(t, 1000)
			first := sale.OutTradeNo()
			qr := waitQR(t, ev)
			if qr.OutTradeNo == first {
				t.Fatalf("QR shown for the first order %s, whose QR was never returned", first)
			}
			// The first order can no longer be paid: closed at QFPay, or never there.
			if v, ok := r.srv.Order(first); ok && v.Cancel != 2 {
				if err := r.srv.Pay(first); err == nil {
					t.Fatalf("first order %s is still payable: %+v", first, v)
				}
			}
			o1 := r.order(t, first)
			if !o1.State.Final() || o1.State == store.StatePaid {
				t.Errorf("first order = %s", o1.State)
			}
			if err := r.srv.Pay(qr.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			if final := waitFinal(t, sale); final.State != store.StatePaid || final.OutTradeNo != qr.OutTradeNo {
				t.Fatalf("final = %+v", final)
			}
		})
	}
}

func TestRefundFullAndPartial(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 1000)
	qr := waitQR(t, ev)
	r.srv.Pay(qr.OutTradeNo)
	waitFinal(t, sale)
	ctx := context.Background()

	ref, err := r.eng.Refund(ctx, qr.OutTradeNo, 300)
	if err != nil || ref.State != store.RefundDone || ref.SysSN == "" || ref.OutTradeNo == qr.OutTradeNo {
		t.Fatalf("partial refund = %+v, %v", ref, err)
	}
	if v := r.remote(t, qr.OutTradeNo); v.Cancel != 5 {
		t.Errorf("after partial refund sandbox cancel = %d, want 5", v.Cancel)
	}
	if _, err := r.eng.Refund(ctx, qr.OutTradeNo, 701); !errors.Is(err, checkout.ErrRefundTooMuch) {
		t.Errorf("over-refund = %v", err)
	}
	// The rest, with the answer lost on the way back: queried, not resent.
	r.srv.SetFaults(sandbox.Faults{Refund: []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}}})
	ref2, err := r.eng.Refund(ctx, qr.OutTradeNo, 0)
	if err != nil || ref2.State != store.RefundDone || ref2.Amount != 700 {
		t.Fatalf("full rest refund = %+v, %v", ref2, err)
	}
	o := r.order(t, qr.OutTradeNo)
	if o.Refunded() != 1000 || len(o.Refunds) != 2 || o.State != store.StatePaid {
		t.Errorf("order after refunds = %+v", o)
	}
	if v := r.remote(t, qr.OutTradeNo); v.Cancel != 3 {
		t.Errorf("after full refund sandbox cancel = %d, want 3", v.Cancel)
	}
	if _, err := r.eng.Refund(ctx, qr.OutTradeNo, 0); !errors.Is(err, checkout.ErrRefundTooMuch) {
		t.Errorf("refund of a fully refunded order = %v", err)
	}
	// Not paid: not refundable.
	sale2, ev2 := r.start(t, 500)
	qr2 := waitQR(t, ev2)
	if _, err := r.eng.Refund(ctx, qr2.OutTradeNo, 0); !errors.Is(err, checkout.ErrNotRefundable) {
		t.Errorf("refund of an unpaid order = %v", err)
	}
	sale2.Cancel()
	waitFinal(t, sale2)
}

func TestNotificationSettlesAtOnce(t *testing.T) {
	r := newRig(t, func(s *checkout.Settings) {
		s.Poll = checkout.Poll{Fast: time.Hour, Slow: time.Hour, FastFor: time.Hour}
	})
	sale, ev := r.start(t, 1200)
	qr := waitQR(t, ev)
	o := r.order(t, qr.OutTradeNo)
	n := &payment.Notification{NotifyType: "payment", PayType: "800201", OutTradeNo: o.OutTradeNo, SysSN: o.SysSN, Amount: 1200, Currency: "HKD", RespCd: "0000"}
	bad := *n
	bad.Amount = 1
	if err := r.eng.HandleNotification(&bad); err == nil {
		t.Error("a notification with the wrong amount was applied")
	}
	if err := r.eng.HandleNotification(n); err != nil {
		t.Fatal(err)
	}
	if final := waitFinal(t, sale); final.State != store.StatePaid {
		t.Fatalf("final = %+v", final)
	}
}

func TestNotifyHandler(t *testing.T) {
	r := newRig(t, func(s *checkout.Settings) {
		s.Poll = checkout.Poll{Fast: time.Hour, Slow: time.Hour, FastFor: time.Hour}
	})
	sale, ev := r.start(t, 1500)
	qr := waitQR(t, ev)
	o := r.order(t, qr.OutTradeNo)
	srv := httptest.NewServer(r.eng.NotifyHandler(r.client.VerifyNotification))
	defer srv.Close()
	// QFPay's style: Python json.dumps, sent raw.
	body := []byte(`{"status": "1", "notify_type": "payment", "pay_type": "800201", "syssn": "` + o.SysSN +
		`", "out_trade_no": "` + o.OutTradeNo + `", "txamt": "1500", "txcurrcd": "HKD", "respcd": "0000", "cancel": "0"}`)
	post := func(sig string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
		req.Header.Set("X-QF-SIGN", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := post(payment.BodySignature(body, "not the key")); code != http.StatusUnauthorized {
		t.Fatalf("forged notification: HTTP %d", code)
	}
	if got := r.order(t, o.OutTradeNo).State; got != store.StateAwaiting {
		t.Fatalf("a forged notification changed the order to %s", got)
	}
	if code, text := post(payment.BodySignature(body, sandbox.DefaultClientKey)); code != http.StatusOK || text != "SUCCESS" {
		t.Fatalf("verified notification: HTTP %d %q", code, text)
	}
	if final := waitFinal(t, sale); final.State != store.StatePaid {
		t.Fatalf("final = %+v", final)
	}
}

func TestEndedSalesLeaveNoWaiters(t *testing.T) {
	r := newRig(t, nil)
	for range 3 {
		sale, ev := r.start(t, 500)
		qr := waitQR(t, ev)
		r.srv.Pay(qr.OutTradeNo)
		waitFinal(t, sale)
	}
	if n := checkout.Waiters(r.eng); n != 0 {
		t.Errorf("%d notification waiters left after the sales ended", n)
	}
}
