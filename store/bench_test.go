package store

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bulkInsert adds n orders made by benchOrder, the i-th created at at(i),
// in large transactions through the same code as Create, and calls each
// (if not nil) with every order stored. The store should be opened
// WithNoSync.
func bulkInsert(tb testing.TB, s *Store, n int, at func(i int) time.Time, each func(o *Order)) {
	tb.Helper()
	bulkInsertBatch(tb, s, n, 20000, at, each)
}

// bulkInsertBatch is bulkInsert with batch orders per transaction.
func bulkInsertBatch(tb testing.TB, s *Store, n, batch int, at func(i int) time.Time, each func(o *Order)) {
	tb.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	for start := 0; start < n; start += batch {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				o, err := prepare(benchOrder(r, i, at(i)))
				if err != nil {
					return err
				}
				if err := write(tx, &o, nil); err != nil {
					return err
				}
				if each != nil {
					each(&o)
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// benchOrder is a typical order: mostly paid HKD, some JPY, expired,
// cancelled, failed or refunded, a few still open.
func benchOrder(r *rand.Rand, i int, at time.Time) *Order {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	rnd := make([]byte, 20)
	for j := range rnd {
		rnd[j] = alphabet[r.IntN(len(alphabet))]
	}
	at = at.UTC()
	o := &Order{
		OutTradeNo: "QFPOS" + at.Format("20060102150405") + string(rnd),
		PayType:    "800201",
		Amount:     100 * (5 + r.Int64N(500)),
		Currency:   "HKD",
		GoodsName:  "Coffee",
		CreatedAt:  at,
		TxDtm:      at.In(hk).Format("2006-01-02 15:04:05"),
		Zone:       "Asia/Hong_Kong",
		SysSN:      fmt.Sprintf("2026%022d", i),
		QRCode:     "weixin://wxpay/bizpayurl?pr=" + string(rnd[:7]),
		ExpiresAt:  at.Add(5 * time.Minute),
	}
	if i%10 == 9 {
		o.Currency, o.Amount = "JPY", 100*(1+r.Int64N(50))
	}
	o.SetState(StateAwaiting, at.Add(time.Second), "payment respcd=0000", "0000")
	switch p := r.IntN(1000); {
	case p < 2:
		o.SetState(StateUnknown, at.Add(time.Minute), "query respcd=1143", "1143")
	case p < 80:
		o.SetState(StateExpired, at.Add(5*time.Minute), "closed after expiry", "1143")
	case p < 120:
		o.SetState(StateCancelled, at.Add(time.Minute), "cancel by cashier", "1143")
	case p < 140:
		o.SetState(StateFailed, at.Add(time.Minute), "query respcd=1150", "1150")
	default:
		o.RespCd, o.RespMsg, o.PaidAt = "0000", "OK", at.Add(40*time.Second)
		o.SetState(StatePaid, o.PaidAt, "query respcd=0000", "0000")
		if p >= 990 {
			o.Refunds = []Refund{{OutTradeNo: "R" + o.OutTradeNo, Amount: o.Amount, State: RefundDone,
				SysSN: fmt.Sprintf("2026%022d", i+1<<40), CreatedAt: at.Add(time.Hour), RespCd: "0000"}}
		}
	}
	return o
}

// The 1M-order file: 10^6 orders spread over 365 days from bigStart.
const (
	bigN       = 1_000_000
	bigVersion = "v2" // change when benchOrder or the layout changes
)

var bigStart = time.Date(2025, 1, 1, 0, 0, 0, 0, hk)

// bigDay is a day in the middle of the 1M-order file, in Hong Kong.
func bigDay() (from, to time.Time) {
	from = bigStart.AddDate(0, 0, 180)
	return from, from.AddDate(0, 0, 1)
}

// bigMonth is the 30 days from bigDay.
func bigMonth() (from, to time.Time) {
	from, _ = bigDay()
	return from, from.AddDate(0, 0, 30)
}

// bigFile returns the path of the 1M-order file, building it (once per
// machine: it is cached in os.TempDir()) if needed. It is built without
// fsync in transactions of 100,000 orders, and never written afterwards:
// every benchmark only reads it (Open writes nothing to an up-to-date file).
func bigFile(b *testing.B) string {
	if testing.Short() {
		b.Skip("needs the 1M-order file")
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("qfpos-store-bench-%s-schema%d.db", bigVersion, len(migrations)))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	start := time.Now()
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	os.Remove(tmp)
	s, err := Open(tmp, WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	step := 365 * 24 * time.Hour / bigN
	bulkInsertBatch(b, s, bigN, 100_000, func(i int) time.Time { return bigStart.Add(time.Duration(i) * step) }, nil)
	if err := s.db.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	b.Logf("built %s: %d orders, %d MB, in %v", path, bigN, fi.Size()>>20, time.Since(start).Round(time.Second))
	return path
}

// openBig opens the 1M-order file for one (sub-)benchmark; it is closed
// when that ends, so a cold run after it can drop the file from the cache.
func openBig(b *testing.B) *Store {
	s, err := Open(bigFile(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// runCold runs op b.N times on the 1M-order file just opened after
// dropping it from the page cache (dropCache), timing op only, and
// reports the median in ms under unit. open times Open itself instead.
func runCold(b *testing.B, unit string, open bool, op func(s *Store)) {
	path := bigFile(b)
	var ms []float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dropCache(b, path)
		t := time.Now()
		if open {
			b.StartTimer()
		}
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if !open {
			t = time.Now()
			b.StartTimer()
			op(s)
		}
		b.StopTimer()
		ms = append(ms, float64(time.Since(t))/1e6)
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(median(ms), unit)
}

// runWarm runs op b.N times on an open 1M-order file and reports the
// median in ms under unit, and beside it (as ms-cpu/…) the median CPU
// time of the process while op ran, which a busy machine inflates less.
func runWarm(b *testing.B, unit string, op func()) {
	op() // into the page cache
	var ms, cpu []float64
	for b.Loop() {
		t, c := time.Now(), cpuTime()
		op()
		ms = append(ms, float64(time.Since(t))/1e6)
		cpu = append(cpu, float64(cpuTime()-c)/1e6)
	}
	b.ReportMetric(median(ms), unit)
	if c := median(cpu); c > 0 {
		b.ReportMetric(c, strings.Replace(unit, "ms/", "ms-cpu/", 1))
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// BenchmarkOpen1M opens the 1M-order file (Open and Close; nothing is
// written): warm, and cold after dropping it from the page cache.
func BenchmarkOpen1M(b *testing.B) {
	b.Run("warm", func(b *testing.B) {
		path := bigFile(b)
		runWarm(b, "ms/open-warm", func() {
			s, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		})
	})
	b.Run("cold", func(b *testing.B) { runCold(b, "ms/open-cold", true, nil) })
}

func BenchmarkListDay1M(b *testing.B) {
	from, to := bigDay()
	list := func(b *testing.B, s *Store, limit, want int) {
		orders, _, err := s.List(ListQuery{From: from, To: to, Limit: limit})
		if err != nil || len(orders) < want {
			b.Fatalf("%d orders, %v", len(orders), err)
		}
	}
	b.Run("first50", func(b *testing.B) {
		s := openBig(b)
		runWarm(b, "ms/list-first50-warm", func() { list(b, s, 50, 50) })
	})
	b.Run("wholeDay-warm", func(b *testing.B) {
		s := openBig(b)
		runWarm(b, "ms/list-day-warm", func() { list(b, s, 10000, 2700) })
	})
	b.Run("wholeDay-cold", func(b *testing.B) {
		runCold(b, "ms/list-day-cold", false, func(s *Store) { list(b, s, 10000, 2700) })
	})
}

// BenchmarkSearch1M is the history screen's search over every day (a
// page of 50, newest first) for six characters of one order's number,
// typed in lower case: it reads the whole time index.
func BenchmarkSearch1M(b *testing.B) {
	var fragment string
	search := func(b *testing.B, s *Store) {
		if fragment == "" {
			from, to := bigDay()
			o, _, err := s.List(ListQuery{From: from, To: to, Limit: 1})
			if err != nil || len(o) == 0 {
				b.Fatal(err)
			}
			no := o[0].OutTradeNo
			fragment = strings.ToLower(no[len(no)-10 : len(no)-4])
		}
		orders, _, err := s.List(ListQuery{Search: fragment, Limit: 50})
		if err != nil || len(orders) == 0 {
			b.Fatalf("%q: %d orders, %v", fragment, len(orders), err)
		}
	}
	b.Run("warm", func(b *testing.B) {
		s := openBig(b)
		runWarm(b, "ms/search-warm", func() { search(b, s) })
	})
	b.Run("cold", func(b *testing.B) {
		runCold(b, "ms/search-cold", false, func(s *Store) { search(b, s) })
	})
}

func BenchmarkTotalsDay1M(b *testing.B) {
	s := openBig(b)
	from, to := bigDay()
	for b.Loop() {
		if _, err := s.Totals(from, to); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHourlyPaidDay1M(b *testing.B) {
	s := openBig(b)
	from, to := bigDay()
	for b.Loop() {
		if _, err := s.HourlyPaid(from, to, hk); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportDay1M(b *testing.B) {
	s := openBig(b)
	from, to := bigDay()
	for b.Loop() {
		if err := s.ExportCSV(io.Discard, from, to); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportMonth1M writes 30 days (≈ 82,000 orders) as `qfpos
// orders --json` does (ExportJSON) and as `qfpos export` does (ExportCSV),
// reporting the time and the peak Go heap in use while it runs.
func BenchmarkExportMonth1M(b *testing.B) {
	from, to := bigMonth()
	for _, c := range []struct {
		name string
		run  func(s *Store) error
	}{
		{"json", func(s *Store) error {
			_, err := s.ExportJSON(io.Discard, ListQuery{From: from, To: to}, 0)
			return err
		}},
		{"csv", func(s *Store) error { return s.ExportCSV(io.Discard, from, to) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := openBig(b)
			var secs []float64
			for b.Loop() {
				t := time.Now()
				if err := c.run(s); err != nil {
					b.Fatal(err)
				}
				secs = append(secs, time.Since(t).Seconds())
			}
			b.ReportMetric(median(secs), "s/export-month")
			b.ReportMetric(float64(peakHeap(func() { c.run(s) }))/1e6, "MB-peak/export-month")
		})
	}
}

// BenchmarkExportYear1M writes the whole file (365 days, 10^6 orders) as
// `qfpos orders --json` does, for its peak heap: it must stay flat.
func BenchmarkExportYear1M(b *testing.B) {
	s := openBig(b)
	var secs []float64
	run := func() {
		if _, err := s.ExportJSON(io.Discard, ListQuery{}, 0); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		t := time.Now()
		run()
		secs = append(secs, time.Since(t).Seconds())
	}
	b.ReportMetric(median(secs), "s/export-year")
	b.ReportMetric(float64(peakHeap(run))/1e6, "MB-peak/export-year")
}

// peakHeap runs fn and returns the most Go heap in use (HeapInuse) seen
// while it ran, sampled every 2 ms.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		var m runtime.MemStats
		var most uint64
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			most = max(most, m.HeapInuse)
			select {
			case <-stop:
				peak <- most
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	return <-peak
}

func BenchmarkNotFinal1M(b *testing.B) {
	s := openBig(b)
	var n int
	for b.Loop() {
		open, err := s.NotFinal()
		if err != nil {
			b.Fatal(err)
		}
		n = len(open)
	}
	b.ReportMetric(float64(n), "orders")
}

// BenchmarkCreate is one durable Create (commit + fsync) on a new file, the
// cost the cashier waits for before the payment request; nosync shows what
// the fsync costs.
func BenchmarkCreate(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []Option
	}{{"fsync", nil}, {"nosync", []Option{WithNoSync()}}} {
		b.Run(c.name, func(b *testing.B) {
			s := openTemp(b, c.opts...)
			r := rand.New(rand.NewPCG(1, 1))
			i := 0
			for b.Loop() {
				o := benchOrder(r, i, time.Now())
				o.OutTradeNo = NewOutTradeNo("QFPOS")
				o.Refunds = nil
				if err := s.Create(o); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkCodec measures the binary form of a typical paid order, and
// the JSON of schema 1 beside it.
func BenchmarkCodec(b *testing.B) {
	o := benchOrder(rand.New(rand.NewPCG(1, 1)), 1, t0)
	o.SetState(StatePaid, t0, "query respcd=0000", "0000")
	data := encodeOrder(nil, o)
	js, _ := json.Marshal(o)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			encodeOrder(nil, o)
		}
		b.ReportMetric(float64(len(data)), "bytes/order")
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := decode(js); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(js)), "bytes/order")
	})
}
