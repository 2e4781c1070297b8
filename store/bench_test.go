package store

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
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
	const batch = 20000
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
	bigVersion = "v1" // change when benchOrder or the layout changes
)

var bigStart = time.Date(2025, 1, 1, 0, 0, 0, 0, hk)

// bigDay is a day in the middle of the 1M-order file, in Hong Kong.
func bigDay() (from, to time.Time) {
	from = bigStart.AddDate(0, 0, 180)
	return from, from.AddDate(0, 0, 1)
}

// bigFile returns the path of the 1M-order file, building it (once per
// machine: it is cached in os.TempDir()) if needed.
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
	bulkInsert(b, s, bigN, func(i int) time.Time { return bigStart.Add(time.Duration(i) * step) }, nil)
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

func openBig(b *testing.B) *Store {
	s, err := Open(bigFile(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkOpen1M(b *testing.B) {
	path := bigFile(b)
	for b.Loop() {
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

func BenchmarkListDay1M(b *testing.B) {
	s := openBig(b)
	from, to := bigDay()
	for _, c := range []struct {
		name  string
		limit int
	}{{"first50", 50}, {"wholeDay", 10000}} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				orders, _, err := s.List(ListQuery{From: from, To: to, Limit: c.limit})
				if err != nil {
					b.Fatal(err)
				}
				n = len(orders)
			}
			b.ReportMetric(float64(n), "orders")
		})
	}
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

// BenchmarkCodec measures the JSON encoding of a typical paid order.
func BenchmarkCodec(b *testing.B) {
	o := benchOrder(rand.New(rand.NewPCG(1, 1)), 1, t0)
	o.SetState(StatePaid, t0, "query respcd=0000", "0000")
	data, _ := json.Marshal(o)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(o)
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
}
