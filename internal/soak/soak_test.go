package main

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
)

// TestWitnessMonthRule: through the witness, an order created before
// midnight on a month's last day is not found after it by out_trade_no
// alone, but is by syssn or by a time range; its creates are counted.
func TestWitnessMonthRule(t *testing.T) {
	clock := &vclock{now: time.Date(2027, 1, 31, 23, 59, 50, 0, zone)}
	srv := sandbox.New(sandbox.Config{Now: clock.Now, Location: zone})
	wit := newWitness(srv, clock.Now, zone, true)
	hs := httptest.NewServer(wit)
	defer hs.Close()
	c, err := payment.NewClient(hs.URL, sandbox.DefaultAppCode, sandbox.DefaultClientKey, payment.WithLocation(zone), payment.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	resp, err := c.CreatePayment(ctx, payment.PaymentRequest{PayType: payment.PayTypeWeChatQR, OutTradeNo: "EDGE1", Amount: 100, Currency: "HKD", Time: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	count := func(r payment.QueryRequest) int {
		t.Helper()
		q, err := c.Query(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return len(q.Records)
	}
	if n := count(payment.QueryRequest{OutTradeNo: []string{"EDGE1"}}); n != 1 {
		t.Fatalf("same month: %d records, want 1", n)
	}
	clock.Add(20 * time.Second) // 00:00:10 on the 1st
	if n := count(payment.QueryRequest{OutTradeNo: []string{"EDGE1"}}); n != 0 {
		t.Errorf("next month, out_trade_no only: %d records, want 0 (month rule)", n)
	}
	if n := count(payment.QueryRequest{SysSN: []string{resp.SysSN}}); n != 1 {
		t.Errorf("next month, by syssn: %d records, want 1", n)
	}
	from := time.Date(2027, 1, 31, 0, 0, 0, 0, zone)
	if n := count(payment.QueryRequest{OutTradeNo: []string{"EDGE1"}, Start: from, End: from.Add(48 * time.Hour)}); n != 1 {
		t.Errorf("next month, by time range: %d records, want 1", n)
	}
	if n := wit.sends("EDGE1"); n != 1 {
		t.Errorf("sends = %d, want 1", n)
	}
}

// TestSoakSmall runs a few in-process sales under the month rule, month
// edges included: the harness must run and find nothing.
func TestSoakSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 40 sales")
	}
	tl := &tally{}
	o := options{seed: 42, sales: 40, workers: 4, monthRule: true}
	if err := runSales(o, tl); err != nil {
		t.Fatal(err)
	}
	if tl.sales.Load() != 40 || tl.kitFaults.Load() == 0 {
		t.Errorf("sales %d, faults %d: want 40 sales and some faults", tl.sales.Load(), tl.kitFaults.Load())
	}
	if n := tl.falsePaid.Load() + tl.lost.Load() + tl.sentTwice.Load() + tl.payableAfterEnd.Load(); n != 0 {
		t.Errorf("%d problems found (see the FOUND lines)", n)
	}
}
