package checkout_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// setClock moves the rig's clock (the engine's and the sandbox's) to t.
func (r *rig) setClock(t time.Time) { r.clock.Add(t.Sub(r.clock.Now())) }

// monthEnd is ten seconds before midnight on the last day of a month, in
// the rig's zone (UTC, for the engine, the client and the sandbox).
var monthEnd = time.Date(2026, 1, 31, 23, 59, 50, 0, time.UTC)

// hookGateway is the rig's client with hooks around its calls.
type hookGateway struct {
	checkout.Gateway
	mu      sync.Mutex
	query   func()                // before each query is sent
	records func(*payment.Record) // changes each record answered
	cancel  func(payment.CancelRequest)
	cancels atomic.Int64 // close (or reversal) requests sent
}

func (g *hookGateway) Query(ctx context.Context, r payment.QueryRequest) (*payment.QueryResponse, error) {
	g.mu.Lock()
	before, change := g.query, g.records
	g.mu.Unlock()
	if before != nil {
		before()
	}
	resp, err := g.Gateway.Query(ctx, r)
	if resp != nil && change != nil {
		for i := range resp.Records {
			change(&resp.Records[i])
		}
	}
	return resp, err
}

func (g *hookGateway) QueryRange(ctx context.Context, start, end time.Time, filter payment.QueryRequest) ([]payment.Record, error) {
	recs, err := g.Gateway.QueryRange(ctx, start, end, filter)
	g.mu.Lock()
	change := g.records
	g.mu.Unlock()
	if change != nil {
		for i := range recs {
			change(&recs[i])
		}
	}
	return recs, err
}

func (g *hookGateway) Cancel(ctx context.Context, r payment.CancelRequest) (*payment.CancelResponse, error) {
	g.cancels.Add(1)
	g.mu.Lock()
	hook := g.cancel
	g.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	return g.Gateway.Cancel(ctx, r)
}

func (g *hookGateway) set(f func(g *hookGateway)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(g)
}

// hooked returns an engine on the rig's store and settings whose gateway
// is the rig's client with hooks, logging into a buffer (as gated does).
func (r *rig) hooked() (*checkout.Engine, *hookGateway, *syncBuffer) {
	gw := &hookGateway{Gateway: r.client}
	logs := &syncBuffer{}
	s := r.eng.Settings()
	s.Logger = slog.New(slog.NewTextHandler(logs, nil))
	return checkout.New(gw, r.st, s), gw, logs
}

func startOn(t *testing.T, eng *checkout.Engine, amount int64) (*checkout.Sale, *events) {
	t.Helper()
	sale, err := eng.Start(context.Background(), checkout.Request{Amount: amount})
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

// A sale begun at 23:59:50 on the last day of a month and paid at
// 00:00:05 ends paid, whichever way qfpos learns of it: QFPay's query
// covers only the current month unless it is given a syssn or a time
// range (qfpay-api.md §4), and the sandbox applies that rule.
func TestMonthEdgeSaleEndsPaid(t *testing.T) {
	paidAt := monthEnd.Add(15 * time.Second) // 00:00:05 on the 1st
	tests := []struct {
		name string
		run  func(t *testing.T, r *rig) string // returns the out_trade_no that must end paid
	}{
		{"1145 on create", func(t *testing.T, r *rig) string {
			r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultPending, RespCd: "1145"}}})
			sale, ev := r.start(t, 1000)
			qr := waitQR(t, ev)
			r.setClock(paidAt)
			if err := r.srv.Pay(qr.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			r.clock.Add(6 * time.Minute) // and past the QR's expiry: the sale must end
			if final := waitFinal(t, sale); final.State != store.StatePaid {
				t.Errorf("final = %s (%s)", final.State, final.Message)
			}
			return qr.OutTradeNo
		}},
		{"recover after a crash", func(t *testing.T, r *rig) string {
			o := r.crashAfterCreate(t, 1000, true) // no syssn stored: found by time range
			r.setClock(paidAt)
			if err := r.srv.Pay(o.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			r.clock.Add(3 * time.Minute) // old enough that "no record" would mean never sent
			if _, err := r.eng.Recover(context.Background()); err != nil {
				t.Fatal(err)
			}
			return o.OutTradeNo
		}},
		{"cancel while the payment lands", func(t *testing.T, r *rig) string {
			eng, gw, _ := r.hooked()
			sale, ev := startOn(t, eng, 1000)
			qr := waitQR(t, ev)
			gw.set(func(g *hookGateway) {
				g.cancel = func(c payment.CancelRequest) { r.srv.Pay(c.OutTradeNo) } // paid just before the close arrives
			})
			r.setClock(paidAt)
			sale.Cancel()
			if final := waitFinal(t, sale); final.State != store.StatePaid {
				t.Errorf("final = %s (%s)", final.State, final.Message)
			}
			return qr.OutTradeNo
		}},
		{"reconcile of the previous day on the 1st", func(t *testing.T, r *rig) string {
			o := r.crashAfterCreate(t, 1000, true)
			r.setClock(paidAt)
			if err := r.srv.Pay(o.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			r.setClock(time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC))
			// What qfpos reconcile does: settle what is open, then compare.
			if _, err := r.eng.Recover(context.Background()); err != nil {
				t.Fatal(err)
			}
			ms, err := r.eng.Reconcile(context.Background(), monthEnd)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 0 {
				t.Errorf("reconcile of 31 January: %+v", ms)
			}
			return o.OutTradeNo
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil)
			r.setClock(monthEnd)
			no := tt.run(t, r)
			if got := r.order(t, no); got.State != store.StatePaid {
				t.Errorf("order %s = %s, want paid; history %+v", no, got.State, got.History)
			}
			if v := r.remote(t, no); v.State != sandbox.StatePaid {
				t.Errorf("sandbox: %s, want paid", v.State)
			}
		})
	}
}

// A paid record that is not the order's — another amount, currency or pay
// type under its out_trade_no — is not the sale's payment: the order is
// left unknown, with the mismatch in its history and an error logged, and
// reconcile lists it.
func TestForeignRecordLeavesTheOrderUnknown(t *testing.T) {
	tests := []struct {
		name   string
		change func(*payment.Record)
		want   string // in the history and the log
	}{
		{"another amount", func(r *payment.Record) { r.Amount = 1 }, "txamt 1, not 1000"},
		{"another currency", func(r *payment.Record) { r.Currency = "CNY" }, `txcurrcd "CNY", not "HKD"`},
		{"another pay type", func(r *payment.Record) { r.PayType = "800101" }, `pay_type "800101", not "800201"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil)
			eng, gw, logs := r.hooked()
			sale, ev := startOn(t, eng, 1000)
			qr := waitQR(t, ev)
			gw.set(func(g *hookGateway) {
				g.records = func(rec *payment.Record) {
					if rec.OutTradeNo == qr.OutTradeNo && rec.RespCd == payment.RespOK {
						tt.change(rec)
					}
				}
			})
			if err := r.srv.Pay(qr.OutTradeNo); err != nil {
				t.Fatal(err)
			}
			final := waitFinal(t, sale)
			if final.State != store.StateUnknown || !strings.Contains(final.Message, "do not charge again") {
				t.Errorf("final = %s (%s), want unknown", final.State, final.Message)
			}
			o := r.order(t, qr.OutTradeNo)
			if o.State != store.StateUnknown {
				t.Errorf("order = %s, want unknown", o.State)
			}
			noted := false
			for _, h := range o.History {
				noted = noted || strings.Contains(h.Cause, tt.want)
			}
			if !noted {
				t.Errorf("history does not say %q: %+v", tt.want, o.History)
			}
			if l := logs.String(); !strings.Contains(l, "level=ERROR msg=\"QFPay's record does not match the order") {
				t.Errorf("no error logged:\n%s", l)
			}
			if gw.cancels.Load() != 0 {
				t.Errorf("%d closes sent for an order QFPay says is paid", gw.cancels.Load())
			}
			// Recovery does not take it as paid either, and reconcile lists it.
			if _, err := eng.Recover(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := r.order(t, qr.OutTradeNo).State; got != store.StateUnknown {
				t.Errorf("after recover: %s, want unknown", got)
			}
			ms, err := eng.Reconcile(context.Background(), r.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 || ms[0].OutTradeNo != qr.OutTradeNo || !strings.Contains(ms[0].Problem, "does not match") || !strings.Contains(ms[0].Problem, tt.want) {
				t.Errorf("reconcile = %+v", ms)
			}
		})
	}
}

// A refund record of another amount or currency is not the refund's: the
// refund is not done.
func TestForeignRefundRecordIsNotDone(t *testing.T) {
	for _, change := range []func(*payment.Record){
		func(r *payment.Record) { r.Amount++ },
		func(r *payment.Record) { r.Currency = "CNY" },
	} {
		r := newRig(t, nil)
		eng, gw, logs := r.hooked()
		sale, ev := startOn(t, eng, 1000)
		qr := waitQR(t, ev)
		r.srv.Pay(qr.OutTradeNo)
		if final := waitFinal(t, sale); final.State != store.StatePaid {
			t.Fatalf("final = %+v", final)
		}
		gw.set(func(g *hookGateway) {
			g.records = func(rec *payment.Record) {
				if rec.OrderType == "refund" {
					change(rec)
				}
			}
		})
		// The refund is carried out, but its answer is lost: it is queried.
		r.srv.SetFaults(sandbox.Faults{Refund: []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}}})
		ref, err := eng.Refund(context.Background(), qr.OutTradeNo, 400)
		if err == nil || ref.State != store.RefundUnknown {
			t.Errorf("refund = %+v, %v; want unknown", ref, err)
		}
		if _, err := eng.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		o := r.order(t, qr.OutTradeNo)
		if len(o.Refunds) != 1 || o.Refunds[0].State != store.RefundUnknown {
			t.Errorf("refunds after recover = %+v", o.Refunds)
		}
		if !strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("no error logged:\n%s", logs.String())
		}
	}
}

// A verified notification stores the order paid while a query is in
// flight, and the cashier presses Cancel: no close is sent (closing a paid
// 800201 order can revoke the payment, §5.1), and the sale ends paid.
func TestNoCloseForAnOrderStoredPaid(t *testing.T) {
	notify := func(t *testing.T, eng *checkout.Engine, o *store.Order) {
		t.Helper()
		n := &payment.Notification{NotifyType: "payment", PayType: o.PayType, OutTradeNo: o.OutTradeNo, SysSN: o.SysSN, Amount: o.Amount, Currency: o.Currency, RespCd: "0000"}
		if err := eng.HandleNotification(n); err != nil {
			t.Error(err)
		}
	}
	t.Run("sale", func(t *testing.T) {
		r := newRig(t, nil)
		eng, gw, _ := r.hooked()
		sale, ev := startOn(t, eng, 1000)
		qr := waitQR(t, ev)
		var once sync.Once
		gw.set(func(g *hookGateway) {
			g.query = func() {
				once.Do(func() { // mid-poll: paid by a notification, then Cancel
					notify(t, eng, r.order(t, qr.OutTradeNo))
					sale.Cancel()
				})
			}
		})
		if final := waitFinal(t, sale); final.State != store.StatePaid {
			t.Errorf("final = %s (%s), want paid", final.State, final.Message)
		}
		if n := gw.cancels.Load(); n != 0 {
			t.Errorf("%d closes sent for an order stored paid", n)
		}
		if v := r.remote(t, qr.OutTradeNo); v.Cancel != 0 || v.State != sandbox.StatePending {
			t.Errorf("the close reached the sandbox: %+v", v)
		}
	})
	t.Run("recover", func(t *testing.T) {
		r := newRig(t, nil)
		eng, gw, _ := r.hooked()
		o := r.crashAfterCreate(t, 1000, true) // payable at QFPay for 30 minutes, here for 5
		r.clock.Add(6 * time.Minute)           // past its expiry here: Recover closes it
		var once sync.Once
		gw.set(func(g *hookGateway) {
			g.query = func() { once.Do(func() { notify(t, eng, o) }) }
		})
		if _, err := eng.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.order(t, o.OutTradeNo).State; got != store.StatePaid {
			t.Errorf("order = %s, want paid", got)
		}
		if n := gw.cancels.Load(); n != 0 {
			t.Errorf("%d closes sent for an order stored paid", n)
		}
		if v := r.remote(t, o.OutTradeNo); v.Cancel != 0 {
			t.Errorf("the close reached the sandbox: %+v", v)
		}
	})
}

// A close sends the txdtm the order was stored (and sent) with, verbatim:
// close takes the original payment's time (§5.1), and an order saved by an
// older qfpos, or before qfpay_timezone changed, has it in another zone
// than the client writes today.
func TestCloseSendsTheStoredTxDtm(t *testing.T) {
	r := newRig(t, nil)
	eng, gw, _ := r.hooked()
	o := r.crashAfterCreate(t, 1000, false)
	// Payable at QFPay for 30 minutes, here for 5: past its expiry here,
	// Recover must close it.
	if _, err := r.client.CreatePayment(context.Background(), payment.PaymentRequest{OutTradeNo: o.OutTradeNo, Amount: o.Amount, Currency: "HKD", Time: o.CreatedAt, ExpiredMinutes: 30}); err != nil {
		t.Fatal(err)
	}
	const legacy = "2026-01-01 03:04:05" // as an older qfpos wrote it, in the merchant's zone
	if _, err := r.st.Update(o.OutTradeNo, func(o *store.Order) error { o.TxDtm = legacy; return nil }); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(5*time.Minute + 20*time.Second) // past its expiry here, within a minute of it at QFPay: Recover closes it
	var sent []string
	gw.set(func(g *hookGateway) {
		g.cancel = func(req payment.CancelRequest) { sent = append(sent, req.TxDtm) }
	})
	if _, err := eng.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sent) == 0 {
		t.Fatal("no close was sent")
	}
	for _, s := range sent {
		if s != legacy {
			t.Errorf("close sent txdtm %q, want the stored %q", s, legacy)
		}
	}
}

// A notification stores the order paid while the close is on its way:
// the order stays paid, and QFPay's record, closed now, is noted in its
// history and logged at error level, for a person to check whether the
// close revoked the payment.
func TestPaidWhileClosingIsFlagged(t *testing.T) {
	r := newRig(t, nil)
	eng, gw, logs := r.hooked()
	sale, ev := startOn(t, eng, 1000)
	qr := waitQR(t, ev)
	var once sync.Once
	gw.set(func(g *hookGateway) {
		g.cancel = func(payment.CancelRequest) {
			once.Do(func() {
				o := r.order(t, qr.OutTradeNo)
				n := &payment.Notification{NotifyType: "payment", PayType: o.PayType, OutTradeNo: o.OutTradeNo, SysSN: o.SysSN, Amount: o.Amount, Currency: o.Currency, RespCd: "0000"}
				if err := eng.HandleNotification(n); err != nil {
					t.Error(err)
				}
			})
		}
	})
	sale.Cancel()
	if final := waitFinal(t, sale); final.State != store.StatePaid {
		t.Errorf("final = %s, want paid (as stored)", final.State)
	}
	o := r.order(t, qr.OutTradeNo)
	last := o.History[len(o.History)-1]
	if o.State != store.StatePaid || !strings.Contains(last.Cause, "may have been revoked") {
		t.Errorf("order %s, last history %+v", o.State, last)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "QFPay's record disagrees") {
		t.Errorf("no error logged:\n%s", logs.String())
	}
}
