package checkout_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// BenchmarkDetectionLatency measures, at the default polling schedule and
// against the in-process sandbox, the time from the customer's payment to
// the sale reporting paid. The payment lands at a random moment of the
// polling cycle. Run it with a fixed count: go test -bench DetectionLatency -benchtime 20x.
func BenchmarkDetectionLatency(b *testing.B) {
	srv, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	client, _ := payment.NewClient(srv.URL(), sandbox.DefaultAppCode, sandbox.DefaultClientKey)
	st, err := store.Open(filepath.Join(b.TempDir(), "orders.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng := checkout.New(client, st, checkout.Settings{Currency: money.MustLookup("HKD")}) // defaults
	var lat []time.Duration
	for b.Loop() {
		sale, err := eng.Start(context.Background(), checkout.Request{Amount: 1000})
		if err != nil {
			b.Fatal(err)
		}
		var paidAt time.Time
		for ev := range sale.Events() {
			if ev.QRCode != "" && paidAt.IsZero() {
				time.Sleep(time.Duration(rand.Int64N(int64(checkout.DefaultPoll.Fast))))
				paidAt = time.Now()
				srv.Pay(ev.OutTradeNo)
			}
		}
		if final := sale.Wait(); final.State != store.StatePaid {
			b.Fatalf("final = %+v", final)
		}
		lat = append(lat, time.Since(paidAt))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
}

// simClock is a virtual clock: After advances it at once, so a
// five-minute sale runs in milliseconds.
type simClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *simClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// countingGateway counts the queries a sale makes, by the clock's minute.
type countingGateway struct {
	checkout.Gateway
	clock   *simClock
	start   time.Time
	queries [16]atomic.Int64
}

func (g *countingGateway) Query(ctx context.Context, r payment.QueryRequest) (*payment.QueryResponse, error) {
	if m := int(g.clock.Now().Sub(g.start) / time.Minute); m < len(g.queries) {
		g.queries[m].Add(1)
	}
	return g.Gateway.Query(ctx, r)
}

// BenchmarkQueriesPerMinute runs an unpaid five-minute sale at the default
// polling schedule on a virtual clock and reports how many queries it
// makes in its first minute and on average per minute: the load one
// waiting kiosk puts on the merchant's 400 requests/min.
func BenchmarkQueriesPerMinute(b *testing.B) {
	for b.Loop() {
		clock := &simClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
		srv, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Now: clock.Now, Location: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		client, _ := payment.NewClient(srv.URL(), sandbox.DefaultAppCode, sandbox.DefaultClientKey, payment.WithLocation(time.UTC))
		st, err := store.Open(filepath.Join(b.TempDir(), "orders.db"), store.WithNoSync())
		if err != nil {
			b.Fatal(err)
		}
		gw := &countingGateway{Gateway: client, clock: clock, start: clock.Now()}
		eng := checkout.New(gw, st, checkout.Settings{Currency: money.MustLookup("HKD"), Location: time.UTC, Clock: clock})
		sale, err := eng.Start(context.Background(), checkout.Request{Amount: 1000})
		if err != nil {
			b.Fatal(err)
		}
		final := sale.Wait()
		if final.State != store.StateExpired {
			b.Fatalf("final = %+v", final)
		}
		total := int64(0)
		for i := range 5 {
			total += gw.queries[i].Load()
		}
		b.ReportMetric(float64(gw.queries[0].Load()), "queries-first-min")
		b.ReportMetric(float64(total)/5, "queries/min")
		st.Close()
		srv.Close()
	}
}
