package checkout_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// An unpaid sale at DefaultPoll, on a virtual clock: at most 50 queries
// in any 60 s, and never a longer gap between two than payment → paid
// may take less a query's round trip: 1.5 s while a payment made in the
// first 2 minutes is waited for (target 2 s), 3 s after (target 3.5 s).
func TestDefaultPollGaps(t *testing.T) {
	for run := range 5 {
		clock := &simClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
		srv, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Now: clock.Now, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		client, err := payment.NewClient(srv.URL(), sandbox.DefaultAppCode, sandbox.DefaultClientKey, payment.WithLocation(time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(filepath.Join(t.TempDir(), "orders.db"), store.WithNoSync())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		gw := &countingGateway{Gateway: client, clock: clock}
		eng := checkout.New(gw, st, checkout.Settings{Currency: money.MustLookup("HKD"), Location: time.UTC, Clock: clock})
		// Read before Start: the sale's goroutine moves the clock on as
		// soon as it runs, and nothing else moves it before (the QR is up
		// at the same virtual instant the order is saved).
		shown := clock.Now()
		sale, err := eng.Start(context.Background(), checkout.Request{Amount: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if final := sale.Wait(); final.State != store.StateExpired {
			t.Fatalf("final = %+v", final)
		}
		if len(gw.at) < 100 { // five minutes at 1.25 s, then 2.5 s
			t.Fatalf("run %d: %d queries in a five-minute sale", run, len(gw.at))
		}
		if got := mostInAMinute(gw.at); got > 50 {
			t.Errorf("run %d: %d queries in one 60 s window", run, got)
		}
		prev := shown
		for _, q := range gw.at {
			limit := 1500 * time.Millisecond
			if prev.Sub(shown) >= 2*time.Minute {
				limit = 3 * time.Second
			}
			if gap := q.Sub(prev); gap > limit {
				t.Errorf("run %d: %s between queries, %s into the sale", run, gap.Round(time.Millisecond), prev.Sub(shown).Round(time.Second))
				break
			}
			prev = q
		}
	}
}
