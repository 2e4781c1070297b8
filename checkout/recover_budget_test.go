package checkout_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// barrierClock is a virtual clock shared by several goroutines (the
// workers): it stands still while any of them is busy, and when all of
// them wait in After it moves to the earliest wake-up. HTTP round trips
// thus take no virtual time, and every worker sees the same time.
type barrierClock struct {
	mu      sync.Mutex
	now     time.Time
	workers int
	waiting []wake
}

type wake struct {
	at time.Time
	ch chan time.Time
}

func (c *barrierClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *barrierClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiting = append(c.waiting, wake{c.now.Add(max(d, 0)), ch})
	c.advance()
	return ch
}

// done says a worker will not call After again.
func (c *barrierClock) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.workers--
	c.advance()
}

func (c *barrierClock) advance() {
	if len(c.waiting) == 0 || len(c.waiting) < c.workers {
		return
	}
	next := c.waiting[0].at
	for _, w := range c.waiting {
		if w.at.Before(next) {
			next = w.at
		}
	}
	if next.After(c.now) {
		c.now = next
	}
	kept := c.waiting[:0]
	for _, w := range c.waiting {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiting = kept
}

// apiLog records, per device, the virtual time of every QFPay API request
// the sandbox receives.
type apiLog struct {
	mu    sync.Mutex
	clock *barrierClock
	at    map[int][]time.Time
	paths map[string]int
}

func (l *apiLog) front(device int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/trade/") || strings.HasPrefix(r.URL.Path, "/tool/") {
			l.mu.Lock()
			l.at[device] = append(l.at[device], l.clock.Now())
			l.paths[r.URL.Path]++
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// mostInAMinute is the most requests of ts in any 60 s window [t, t+60 s).
func mostInAMinute(ts []time.Time) int {
	ts = slices.Clone(ts)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	most := 0
	for i, j := 0, 0; i < len(ts); i++ {
		for j < len(ts) && ts[j].Before(ts[i].Add(time.Minute)) {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// Four devices of one merchant recover 2,000 open orders past their
// expiry at once, on one virtual clock, against one sandbox that counts
// every request: together they stay under QFPay's 400 a minute in every
// 60 s window, each under its own 100 (poll_share 0.25), bursts included,
// and all 2,000 orders settle within 2 minutes. Of each device's 500:
// 350 expired at QFPay, 50 paid, 50 never sent, and 50 that QFPay still
// shows pending just past their expiry — the only ones closed.
func TestFourDevicesRecoverWithinBudget(t *testing.T) {
	const devices, perDevice = 4, 500
	t0 := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	clock := &barrierClock{now: t0}
	srv := sandbox.New(sandbox.Config{Now: clock.Now, Location: time.UTC})
	log := &apiLog{clock: clock, at: map[int][]time.Time{}, paths: map[string]int{}}
	recoverAt := t0.Add(10 * time.Minute)
	type device struct {
		eng *checkout.Engine
		st  *store.Store
	}
	var devs []device
	for d := range devices {
		hs := httptest.NewServer(log.front(d, srv))
		t.Cleanup(hs.Close)
		client, err := payment.NewClient(hs.URL, sandbox.DefaultAppCode, sandbox.DefaultClientKey,
			payment.WithLocation(time.UTC), payment.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(filepath.Join(t.TempDir(), "orders.db"), store.WithNoSync())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		// Orders as sales left them when the device crashed, sent straight
		// to the sandbox (before the engine exists: not counted below).
		for i := range perDevice {
			created, life, qfpayMinutes := t0, 5*time.Minute, 5
			kind := i % 10
			if kind == 9 { // QFPay still takes it: its QR outlives the order's life here
				created, qfpayMinutes = recoverAt.Add(-life-30*time.Second), 30
			}
			o := &store.Order{
				OutTradeNo: fmt.Sprintf("D%dN%04d", d, i), PayType: payment.PayTypeWeChatQR, Amount: int64(100 + i), Currency: "HKD",
				CreatedAt: created, TxDtm: created.Format(payment.TimeLayout), Zone: "UTC", ExpiresAt: created.Add(life),
				State: store.StateAwaiting,
			}
			if kind == 8 {
				o.State = store.StateCreating // never sent
			}
			if err := st.Create(o); err != nil {
				t.Fatal(err)
			}
			if kind == 8 {
				continue
			}
			clock.mu.Lock()
			clock.now = created
			clock.mu.Unlock()
			if _, err := client.CreatePayment(context.Background(), payment.PaymentRequest{
				OutTradeNo: o.OutTradeNo, Amount: o.Amount, Currency: "HKD", Time: created, ExpiredMinutes: qfpayMinutes}); err != nil {
				t.Fatal(err)
			}
			if kind == 7 {
				srv.Pay(o.OutTradeNo)
			}
		}
		eng := checkout.New(client, st, checkout.Settings{Currency: money.MustLookup("HKD"), Location: time.UTC, QFPayZone: time.UTC, Clock: clock, PollShare: 0.25})
		devs = append(devs, device{eng, st})
	}
	clock.mu.Lock()
	clock.now, clock.workers = recoverAt, devices
	clock.mu.Unlock()
	log.mu.Lock()
	clear(log.at)
	clear(log.paths)
	log.mu.Unlock()

	var wg sync.WaitGroup
	took := make([]time.Duration, devices)
	errs := make([]error, devices)
	for d, dev := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer clock.done()
			_, errs[d] = dev.eng.Recover(context.Background())
			took[d] = clock.Now().Sub(recoverAt)
		}()
	}
	wg.Wait()

	var all []time.Time
	for d, dev := range devs {
		if errs[d] != nil {
			t.Fatalf("device %d: %v", d, errs[d])
		}
		if open, _ := dev.st.NotFinal(); len(open) != 0 {
			t.Errorf("device %d: %d orders still open", d, len(open))
		}
		if got := mostInAMinute(log.at[d]); got > 100 {
			t.Errorf("device %d: %d requests in one minute, over its share of 100", d, got)
		}
		if took[d] > 2*time.Minute {
			t.Errorf("device %d: recovery took %s", d, took[d])
		}
		all = append(all, log.at[d]...)
		t.Logf("device %d: %d requests, most in a minute %d, took %s", d, len(log.at[d]), mostInAMinute(log.at[d]), took[d])
	}
	if got := mostInAMinute(all); got >= checkout.MerchantRequestsPerMinute {
		t.Errorf("%d requests in one minute at the merchant, limit %d", got, checkout.MerchantRequestsPerMinute)
	}
	t.Logf("merchant: %d requests, most in a minute %d; %v", len(all), mostInAMinute(all), log.paths)
	for d, dev := range devs {
		for i := range perDevice {
			o, err := dev.st.Get(fmt.Sprintf("D%dN%04d", d, i))
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]store.State{7: store.StatePaid, 8: store.StateFailed, 9: store.StateExpired}[i%10]
			if want == "" {
				want = store.StateExpired
			}
			if o.State != want {
				t.Errorf("%s = %s, want %s", o.OutTradeNo, o.State, want)
			}
		}
	}
	if n := log.paths["/trade/v1/close"]; n != devices*perDevice/10 {
		t.Errorf("%d closes, want %d: only the orders QFPay still takes", n, devices*perDevice/10)
	}
}
