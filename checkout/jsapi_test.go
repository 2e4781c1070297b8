package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
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
	sale.Cancel()
	waitFinal(t, sale)
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
