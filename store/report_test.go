package store

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// listFixture is 300 orders over three UTC days, some sharing a CreatedAt,
// in every state; every seventh number holds "XyZ".
func listFixture(t *testing.T) (*Store, []*Order, time.Time) {
	s := openTemp(t, WithNoSync())
	day := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	var all []*Order
	for i := range 300 {
		at := day.Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
		if i%10 == 3 && len(all) > 0 {
			at = all[len(all)-1].CreatedAt // same instant as the one before
		}
		no := fmt.Sprintf("L%04d", i)
		if i%7 == 0 {
			no = fmt.Sprintf("L%02dXyZ%02d", i/100, i%100)
		}
		o := newOrder(no, at)
		o.State = stateOrder[r.IntN(len(stateOrder))]
		all = append(all, mustCreate(t, s, o))
	}
	return s, all, day
}

// listAll pages through q and returns every order.
func listAll(t *testing.T, s *Store, q ListQuery, between func()) []*Order {
	t.Helper()
	var out []*Order
	for pages := 0; ; pages++ {
		page, next, err := s.List(q)
		if err != nil {
			t.Fatal(err)
		}
		limit := cmp.Or(max(q.Limit, 0), DefaultListLimit)
		if len(page) > limit || (next != "" && len(page) != limit) {
			t.Fatalf("page %d: %d orders with limit %d, next %q", pages, len(page), limit, next)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		if between != nil {
			between()
		}
		q.Cursor = next
	}
}

func numbers(orders []*Order) []string {
	var out []string
	for _, o := range orders {
		out = append(out, o.OutTradeNo)
	}
	return out
}

func TestList(t *testing.T) {
	s, all, day := listFixture(t)
	checkIndexes(t, s) // the search index after inserts out of time order
	newestFirst := slices.Clone(all)
	slices.SortFunc(newestFirst, func(a, b *Order) int {
		return bytes.Compare(timeKey(b.CreatedAt, b.OutTradeNo), timeKey(a.CreatedAt, a.OutTradeNo))
	})
	want := func(q ListQuery) []string {
		var out []string
		for _, o := range newestFirst {
			if (q.From.IsZero() || !o.CreatedAt.Before(q.From)) && (q.To.IsZero() || o.CreatedAt.Before(q.To)) &&
				(q.State == "" || o.State == q.State) &&
				strings.Contains(strings.ToLower(o.OutTradeNo), strings.ToLower(q.Search)) {
				out = append(out, o.OutTradeNo)
			}
		}
		return out
	}
	d2, d3 := day.Add(24*time.Hour), day.Add(48*time.Hour)
	boundary := all[150].CreatedAt
	for _, c := range []struct {
		name string
		q    ListQuery
	}{
		{"everything", ListQuery{}},
		{"one day", ListQuery{From: d2, To: d3}},
		{"from only", ListQuery{From: d3}},
		{"to only", ListQuery{To: d2}},
		{"from is inclusive, to exclusive", ListQuery{From: boundary, To: boundary.Add(time.Hour)}},
		{"to excludes", ListQuery{From: boundary.Add(-time.Hour), To: boundary}},
		{"paid", ListQuery{State: StatePaid}},
		{"expired on day 2", ListQuery{From: d2, To: d3, State: StateExpired}},
		{"search ignores case", ListQuery{Search: "xyz"}},
		{"search and state", ListQuery{Search: "L01", State: StateUnknown}},
		{"search finds nothing", ListQuery{Search: "nope"}},
		{"search in mixed case", ListQuery{Search: "L0xYz"}},
		{"search digits only", ListQuery{Search: "01"}},
		{"search a byte no number has", ListQuery{Search: "xy-"}},
		{"search a non-ASCII letter", ListQuery{Search: "xyž"}},
		{"before all orders", ListQuery{To: day}},
		{"from after to", ListQuery{From: d3, To: d2}},
		{"state nobody has", ListQuery{State: "refunded"}},
	} {
		w := want(c.q)
		if c.name == "everything" && len(w) != len(all) || c.name == "search ignores case" && len(w) == 0 {
			t.Fatalf("%s: fixture is wrong: %d orders", c.name, len(w))
		}
		for _, limit := range []int{1, 7, 0, 50, 1000} {
			t.Run(fmt.Sprintf("%s/limit=%d", c.name, limit), func(t *testing.T) {
				q := c.q
				q.Limit = limit
				if got := numbers(listAll(t, s, q, nil)); !slices.Equal(got, w) {
					t.Errorf("got  %v\nwant %v", got, w)
				}
			})
		}
	}

	t.Run("new orders while paging", func(t *testing.T) {
		w := want(ListQuery{})
		n := 0
		got := listAll(t, s, ListQuery{Limit: 40}, func() {
			n++
			mustCreate(t, s, newOrder(fmt.Sprintf("NEW%d", n), time.Now()))
		})
		if !slices.Equal(numbers(got), w) {
			t.Errorf("got  %v\nwant %v", numbers(got), w)
		}
	})

	t.Run("bad cursor", func(t *testing.T) {
		for _, cur := range []string{"!!!", "AAAA", "not base64 at all"} {
			if _, _, err := s.List(ListQuery{Cursor: cur}); !errors.Is(err, ErrInvalid) {
				t.Errorf("cursor %q: err = %v, want ErrInvalid", cur, err)
			}
		}
	})
}

// hk is the merchant's zone in the report fixture; its day is 2026-03-10.
var hk = time.FixedZone("HKT", 8*3600)

func reportFixture(t *testing.T) (*Store, time.Time, time.Time) {
	s := openTemp(t)
	from := time.Date(2026, 3, 10, 0, 0, 0, 0, hk)
	to := from.AddDate(0, 0, 1)
	at := func(h, m, sec int) time.Time { return time.Date(2026, 3, 10, h, m, sec, 0, hk) }
	type fix struct {
		no, cur string
		amt     int64
		created time.Time
		state   State
		goods   string
		refunds []Refund
	}
	for _, f := range []fix{
		{"BEFORE", "HKD", 5000, from.Add(-time.Second), StatePaid, "yesterday", nil},
		{"FIRST", "HKD", 1250, from, StatePaid, "Coffee", nil},
		{"CAKE", "HKD", 9999, at(9, 40, 0), StatePaid, `Cake, "large"`, []Refund{
			{OutTradeNo: "CAKER1", Amount: 2000, State: RefundDone},
			{OutTradeNo: "CAKER2", Amount: 500, State: RefundFailed},
		}},
		{"TEA", "HKD", 300, at(12, 5, 0), StateExpired, "Tea", nil},
		{"MATCHA", "JPY", 500, at(13, 30, 0), StatePaid, "抹茶", nil},
		{"MOCHI", "JPY", 1200, at(13, 45, 0), StateCancelled, "Mochi", nil},
		{"WAIT", "HKD", 777, at(15, 0, 0), StateAwaiting, "Waiting", nil},
		{"NEW", "HKD", 888, at(15, 30, 0), StateCreating, "Just saved", nil},
		{"FORMULA", "HKD", 100000, at(23, 59, 59), StatePaid, "=SUM(A1)", []Refund{
			{OutTradeNo: "FORMULAR1", Amount: 100000, State: RefundUnknown},
		}},
		{"AFTER", "HKD", 5000, to, StatePaid, "tomorrow", nil},
	} {
		o := &Order{OutTradeNo: f.no, PayType: "800201", Amount: f.amt, Currency: f.cur, GoodsName: f.goods, CreatedAt: f.created}
		mustCreate(t, s, o)
		if f.state == StateCreating {
			continue
		}
		_, err := s.Update(f.no, func(o *Order) error {
			o.SysSN = "2026031000030002" + strings.Repeat("0", 10-len(f.no)) + f.no
			switch f.state {
			case StatePaid:
				o.RespCd = "0000"
				o.PaidAt = f.created.Add(42 * time.Second)
			case StateExpired, StateCancelled:
				o.RespCd = "1143"
			}
			o.SetState(f.state, f.created.Add(time.Minute), "test", o.RespCd)
			o.Refunds = f.refunds
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s, from, to
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./store -run %s -update to write it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./store -run %s -update rewrites it)\ngot:\n%s\nwant:\n%s", path, t.Name(), got, want)
	}
}

func TestTotalsAndHourlyGolden(t *testing.T) {
	s, from, to := reportFixture(t)
	var b strings.Builder
	totals, err := s.Totals(from, to)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "Totals [%s, %s)\n", from.Format(time.RFC3339), to.Format(time.RFC3339))
	for _, x := range totals {
		fmt.Fprintf(&b, "%s %-9s count=%d amount=%d refunded=%d\n", x.Currency, x.State, x.Count, x.Amount, x.Refunded)
	}
	for _, loc := range []*time.Location{hk, time.FixedZone("JST", 9*3600), nil} {
		hours, err := s.HourlyPaid(from, to, loc)
		if err != nil {
			t.Fatal(err)
		}
		name := "nil (UTC)"
		if loc != nil {
			name = loc.String()
		}
		fmt.Fprintf(&b, "\nHourlyPaid in %s\n", name)
		for _, cur := range slices.Sorted(func(yield func(string) bool) {
			for k := range hours {
				if !yield(k) {
					return
				}
			}
		}) {
			for h, amt := range hours[cur] {
				if amt != 0 {
					fmt.Fprintf(&b, "%s %02d:00 %d\n", cur, h, amt)
				}
			}
		}
	}
	golden(t, "totals.golden", []byte(b.String()))

	// The same figures, from the orders themselves.
	all, _, err := s.List(ListQuery{From: from, To: to, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, o := range all {
		if o.State == StatePaid && o.Currency == "HKD" {
			sum += o.Amount
		}
	}
	hours, _ := s.HourlyPaid(from, to, hk)
	var hourly int64
	for _, a := range hours["HKD"] {
		hourly += a
	}
	if hourly != sum || sum != 1250+9999+100000 {
		t.Errorf("paid HKD: hourly %d, orders %d, want %d", hourly, sum, 1250+9999+100000)
	}
	if empty, err := s.Totals(to.AddDate(1, 0, 0), to.AddDate(1, 0, 1)); err != nil || len(empty) != 0 {
		t.Errorf("Totals of an empty day = %v, %v", empty, err)
	}
}

func TestExportCSVGolden(t *testing.T) {
	s, from, to := reportFixture(t)
	var b bytes.Buffer
	if err := s.ExportCSV(&b, from, to); err != nil {
		t.Fatal(err)
	}
	golden(t, "export.golden.csv", b.Bytes())

	rows, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(exportColumns, name) }
	amounts := map[string][3]string{} // txamt, amount, refunded
	for _, r := range rows[1:] {
		amounts[r[col("out_trade_no")]] = [3]string{r[col("txamt")], r[col("amount")], r[col("refunded")]}
		if r[col("out_trade_no")] == "CAKE" && r[col("goods_name")] != `Cake, "large"` {
			t.Errorf("goods_name read back as %q", r[col("goods_name")])
		}
	}
	for no, want := range map[string][3]string{
		"FIRST":  {"1250", "12.50", "0.00"},
		"CAKE":   {"9999", "99.99", "20.00"},
		"MATCHA": {"500", "500", "0"},
		"MOCHI":  {"1200", "1200", "0"},
	} {
		if amounts[no] != want {
			t.Errorf("%s: txamt, amount, refunded = %q, want %q", no, amounts[no], want)
		}
	}
	if _, ok := amounts["BEFORE"]; ok || len(rows) != 9 {
		t.Errorf("%d rows, want header + 8 (BEFORE and AFTER are outside the day)", len(rows))
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestExportCSVChunks(t *testing.T) {
	for _, n := range []int{0, 1, exportChunk - 1, exportChunk, exportChunk + 1, 2*exportChunk + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := openTemp(t, WithNoSync())
			var want []string
			bulkInsert(t, s, n, func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) },
				func(o *Order) { want = append(want, o.OutTradeNo) })
			var b bytes.Buffer
			if err := s.ExportCSV(&b, time.Time{}, time.Time{}); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[1])
			}
			if !slices.Equal(got, want) {
				t.Errorf("exported %d orders, want %d oldest first", len(got), len(want))
			}
		})
	}
	s, from, to := reportFixture(t)
	if err := s.ExportCSV(&failWriter{n: 100}, from, to); err == nil {
		t.Error("a write error was not returned")
	}
}

// TestExportJSON: what `qfpos orders --json` printed when it held every
// order in memory, now written a chunk at a time.
func TestExportJSON(t *testing.T) {
	s, _, day := listFixture(t)
	mustCreate(t, s, &Order{OutTradeNo: "ODD1", Amount: 7, Currency: "XAU", CreatedAt: day.Add(time.Hour)})
	full := fullOrder() // every field, and text encoding/json escapes
	full.CreatedAt, full.GoodsName, full.RespMsg = day.Add(2*time.Hour), "<b>&\"\\\u2028\x01\xff咖啡\n", "\t"
	mustCreate(t, s, full)
	type row struct {
		*Order
		AmountDecimal string `json:"amount"`
	}
	for _, c := range []struct {
		q   ListQuery
		max int
	}{
		{ListQuery{}, 0}, {ListQuery{}, 7}, {ListQuery{State: StatePaid, Limit: 3}, 0},
		{ListQuery{From: day, To: day.Add(24 * time.Hour)}, 0}, {ListQuery{To: day}, 0},
	} {
		var rows []row
		for _, o := range listAll(t, s, ListQuery{From: c.q.From, To: c.q.To, State: c.q.State}, nil) {
			amount := fmt.Sprint(o.Amount)
			if o.Currency == "HKD" {
				amount = fmt.Sprintf("%d.%02d", o.Amount/100, o.Amount%100)
			}
			rows = append(rows, row{o, amount})
		}
		if c.max > 0 {
			rows = rows[:c.max]
		}
		if rows == nil {
			rows = []row{}
		}
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.Encode(rows)
		n, err := s.ExportJSON(&got, c.q, c.max)
		if err != nil || n != len(rows) {
			t.Fatalf("%+v: %d orders, %v; want %d", c, n, err, len(rows))
		}
		if got.String() != want.String() {
			t.Errorf("%+v: got\n%.2000s\nwant\n%.2000s", c, got.String(), want.String())
		}
	}
	if n, err := s.ExportJSON(&failWriter{n: 100}, ListQuery{}, 0); err == nil || n >= exportChunk {
		t.Errorf("a failing writer: %d orders, %v; want an error within the first chunk", n, err)
	}
}
