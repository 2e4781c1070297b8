package checkout_test

import (
	"context"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// crashAfterCreate saves an order and sends its payment (with the
// order's 5 minutes as expired_time), as a sale does, then "crashes": the order stays as saved, state creating.
func (r *rig) crashAfterCreate(t *testing.T, amount int64, send bool) *store.Order {
	t.Helper()
	now := r.clock.Now()
	o := &store.Order{
		OutTradeNo: store.NewOutTradeNo("QF"), PayType: payment.PayTypeWeChatQR, Amount: amount, Currency: "HKD",
		CreatedAt: now, TxDtm: now.UTC().Format(payment.TimeLayout), Zone: "UTC", ExpiresAt: now.Add(5 * time.Minute),
		State: store.StateCreating,
	}
	if err := r.st.Create(o); err != nil {
		t.Fatal(err)
	}
	if send {
		if _, err := r.client.CreatePayment(context.Background(), payment.PaymentRequest{OutTradeNo: o.OutTradeNo, Amount: amount, Currency: "HKD", Time: now, ExpiredMinutes: 5}); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func TestRecover(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	neverSent := r.crashAfterCreate(t, 100, false)
	pendingSent := r.crashAfterCreate(t, 200, true)
	paidSent := r.crashAfterCreate(t, 300, true)
	declined := r.crashAfterCreate(t, 400, true)
	r.srv.Pay(paidSent.OutTradeNo)
	r.srv.Decline(declined.OutTradeNo)

	// Right after the crash: settle what QFPay knows, leave the rest.
	res, err := r.eng.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("recover settled %d orders: %+v", len(res), res)
	}
	want := map[string]store.State{
		neverSent.OutTradeNo:   store.StateCreating, // too recent to call "never sent"
		pendingSent.OutTradeNo: store.StateAwaiting, // payable until its expiry
		paidSent.OutTradeNo:    store.StatePaid,
		declined.OutTradeNo:    store.StateFailed,
	}
	for no, st := range want {
		if got := r.order(t, no).State; got != st {
			t.Errorf("%s after first recover = %s, want %s", no, got, st)
		}
	}

	// Later, past expiry: the pending one is closed, the unsent one failed.
	r.clock.Add(6 * time.Minute)
	if _, err := r.eng.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.order(t, neverSent.OutTradeNo).State; got != store.StateFailed {
		t.Errorf("never-sent order = %s, want failed", got)
	}
	if got := r.order(t, pendingSent.OutTradeNo).State; got != store.StateExpired {
		t.Errorf("pending order past expiry = %s, want expired", got)
	}
	if v := r.remote(t, pendingSent.OutTradeNo); v.Cancel != 2 && v.RespCd != "1181" {
		t.Errorf("sandbox still has it payable: %+v", v)
	}
	if open, _ := r.st.NotFinal(); len(open) != 0 {
		t.Errorf("%d orders still open", len(open))
	}
}

func TestRecoverWhileQFPayIsDown(t *testing.T) {
	r := newRig(t, nil)
	o := r.crashAfterCreate(t, 100, true)
	r.srv.SetFaults(sandbox.Faults{Query: []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 10}}})
	res, err := r.eng.Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err == nil {
		t.Fatalf("recover = %+v, want the query error reported", res)
	}
	if got := r.order(t, o.OutTradeNo).State; got != store.StateCreating {
		t.Errorf("order = %s: a failed query must not decide anything", got)
	}
}

func TestReconcileDay(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	// A clean sale.
	sale, ev := r.start(t, 1000)
	qr := waitQR(t, ev)
	r.srv.Pay(qr.OutTradeNo)
	waitFinal(t, sale)
	// Paid at QFPay, but qfpos crashed before it knew.
	lost := r.crashAfterCreate(t, 2000, true)
	r.srv.Pay(lost.OutTradeNo)
	// Paid here, no record at QFPay (a corrupted or foreign file).
	now := r.clock.Now()
	ghost := &store.Order{OutTradeNo: store.NewOutTradeNo("QF"), Amount: 3000, Currency: "HKD", CreatedAt: now, TxDtm: now.Format(payment.TimeLayout), State: store.StateCreating}
	if err := r.st.Create(ghost); err != nil {
		t.Fatal(err)
	}
	r.st.Update(ghost.OutTradeNo, func(o *store.Order) error { o.SetState(store.StatePaid, now, "test", "0000"); return nil })
	// Another device's payment at the same merchant.
	other := store.NewOutTradeNo("OTHER")
	r.client.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: other, Amount: 4000, Currency: "HKD", Time: now})
	r.srv.Pay(other)

	ms, err := r.eng.Reconcile(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range ms {
		got[m.OutTradeNo] = m.Problem
	}
	if len(ms) != 3 || got[lost.OutTradeNo] == "" || got[ghost.OutTradeNo] == "" || got[other] == "" {
		t.Fatalf("mismatches = %+v", ms)
	}
	if _, ok := got[qr.OutTradeNo]; ok {
		t.Errorf("the clean sale was reported: %+v", ms)
	}
	// Recover settles the lost one; then only the ghost and the foreign one remain.
	if _, err := r.eng.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	ms, _ = r.eng.Reconcile(ctx, now)
	if len(ms) != 2 {
		t.Errorf("after recover: %+v", ms)
	}
}

func TestRecoverClosesTheRestOfAPaidJSAPISale(t *testing.T) {
	r := newRig(t, nil)
	parent := r.crashAfterCreate(t, 500, true)
	r.st.Update(parent.OutTradeNo, func(o *store.Order) error {
		o.SetState(store.StateAwaiting, r.clock.Now(), "test", "0000")
		return nil
	})
	// The attempt paid in WeChat just before the crash (its 800207 is
	// modelled here by a second sandbox order linked by Parent).
	attempt := r.crashAfterCreate(t, 500, true)
	r.st.Update(attempt.OutTradeNo, func(o *store.Order) error { o.Parent = parent.OutTradeNo; return nil })
	r.srv.Pay(attempt.OutTradeNo)

	if _, err := r.eng.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.order(t, attempt.OutTradeNo).State; got != store.StatePaid {
		t.Fatalf("attempt = %s, want paid", got)
	}
	if got := r.order(t, parent.OutTradeNo).State; got != store.StateCancelled {
		t.Errorf("the sale's QR order = %s, want cancelled (closed)", got)
	}
	if v := r.remote(t, parent.OutTradeNo); v.Cancel != 2 {
		t.Errorf("the sale's QR is still payable at QFPay: %+v", v)
	}
}

// A JSAPI sale that ended unknown because an attempt's close was not
// confirmed: checking the sale looks at the attempt, not only at its
// (cancelled) QR order.
func TestCheckSettlesTheSaleWithItsAttempts(t *testing.T) {
	r := newRig(t, nil)
	parent := r.crashAfterCreate(t, 500, true)
	r.st.Update(parent.OutTradeNo, func(o *store.Order) error {
		o.SetState(store.StateCancelled, r.clock.Now(), "test: closed at the end of the sale", "")
		return nil
	})
	attempt := r.crashAfterCreate(t, 500, true)
	r.st.Update(attempt.OutTradeNo, func(o *store.Order) error {
		o.Parent = parent.OutTradeNo
		o.SetState(store.StateUnknown, r.clock.Now(), "test: close not confirmed", "")
		return nil
	})
	r.srv.Pay(attempt.OutTradeNo)

	got, err := r.eng.Check(context.Background(), parent.OutTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	if got.OutTradeNo != attempt.OutTradeNo || got.State != store.StatePaid {
		t.Fatalf("Check = %s %s, want the attempt, paid", got.OutTradeNo, got.State)
	}
	// A plain sale: Check returns its own order as settled.
	plain := r.crashAfterCreate(t, 700, true)
	r.srv.Decline(plain.OutTradeNo)
	if got, err := r.eng.Check(context.Background(), plain.OutTradeNo); err != nil || got.State != store.StateFailed {
		t.Fatalf("plain Check = %+v, %v", got, err)
	}
}

// An order sent in the last second of the merchant's day is dated the next
// day at QFPay: the day's records lack it, but it is not "paid here, no
// record at QFPay" — reconcile looks it up by itself before saying so.
func TestReconcileOrderDatedNextDayAtQFPay(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	now := r.clock.Now()
	dayFrom, dayTo := checkout.DayBounds(now, time.UTC)
	r.clock.Add(dayTo.Add(-time.Second).Sub(now)) // 23:59:59 here
	o := r.crashAfterCreate(t, 1250, false)       // saved at 23:59:59
	r.clock.Add(2 * time.Second)                  // sent (and dated at QFPay) at 00:00:01
	if _, err := r.client.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: o.OutTradeNo, Amount: o.Amount, Currency: "HKD", Time: r.clock.Now(), ExpiredMinutes: 5}); err != nil {
		t.Fatal(err)
	}
	r.srv.Pay(o.OutTradeNo)
	if _, err := r.eng.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.order(t, o.OutTradeNo).State; got != store.StatePaid {
		t.Fatalf("order = %s, want paid", got)
	}
	ms, err := r.eng.Reconcile(ctx, dayFrom)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 0 {
		t.Errorf("mismatches = %+v, want none", ms)
	}
}
