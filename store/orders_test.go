package store

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var t0 = time.Date(2026, 3, 10, 1, 15, 0, 0, time.UTC)

func newOrder(no string, at time.Time) *Order {
	return &Order{OutTradeNo: no, PayType: "800201", Amount: 1250, Currency: "HKD", GoodsName: "Coffee", CreatedAt: at}
}

func mustCreate(t testing.TB, s *Store, o *Order) *Order {
	t.Helper()
	if err := s.Create(o); err != nil {
		t.Fatalf("Create(%s): %v", o.OutTradeNo, err)
	}
	return o
}

// checkIndexes rebuilds every index from the orders bucket and compares it
// with what is stored.
func checkIndexes(t testing.TB, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		wantTime, wantOpen, wantRefunds := map[string]string{}, map[string]bool{}, map[string]string{}
		n := 0
		err := tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
			o, err := decode(v)
			if err != nil {
				return err
			}
			if o.OutTradeNo != string(k) {
				return fmt.Errorf("order under %q says %q", k, o.OutTradeNo)
			}
			n++
			wantTime[string(timeKey(o.CreatedAt, o.OutTradeNo))] = string(summarize(o).encode())
			if o.Pending() {
				wantOpen[o.OutTradeNo] = true
			}
			for _, r := range o.Refunds {
				wantRefunds[r.OutTradeNo] = o.OutTradeNo
			}
			return nil
		})
		if err != nil {
			return err
		}
		gotTime, gotOpen, gotRefunds := map[string]string{}, map[string]bool{}, map[string]string{}
		tx.Bucket(bucketByTime).ForEach(func(k, v []byte) error { gotTime[string(k)] = string(v); return nil })
		tx.Bucket(bucketOpen).ForEach(func(k, _ []byte) error { gotOpen[string(k)] = true; return nil })
		tx.Bucket(bucketRefunds).ForEach(func(k, v []byte) error { gotRefunds[string(k)] = string(v); return nil })
		if !reflect.DeepEqual(gotTime, wantTime) {
			t.Errorf("by_time index:\n got %q\nwant %q", gotTime, wantTime)
		}
		if !reflect.DeepEqual(gotOpen, wantOpen) {
			t.Errorf("open index: got %v, want %v", gotOpen, wantOpen)
		}
		if !reflect.DeepEqual(gotRefunds, wantRefunds) {
			t.Errorf("refunds index: got %v, want %v", gotRefunds, wantRefunds)
		}
		// The search index holds every by_time key once, in order, each
		// block under its first key and none over blockMax.
		var wantNumbers, gotNumbers [][]byte
		tx.Bucket(bucketByTime).ForEach(func(k, _ []byte) error { wantNumbers = append(wantNumbers, bytes.Clone(k)); return nil })
		tx.Bucket(bucketNumbers).ForEach(func(k, v []byte) error {
			b, err := decodeBlock(v)
			if err != nil || len(b) == 0 || len(b) > blockMax || !bytes.Equal(b[0], k) {
				t.Errorf("search block %q: %d keys, %v", k, len(b), err)
				return nil
			}
			gotNumbers = append(gotNumbers, b...)
			return nil
		})
		if !slices.EqualFunc(gotNumbers, wantNumbers, bytes.Equal) {
			t.Errorf("search index: %d keys, time index %d", len(gotNumbers), len(wantNumbers))
		}
		if c, _ := getUint(tx.Bucket(bucketMeta), keyCount); c != uint64(n) {
			t.Errorf("count = %d, orders bucket has %d", c, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateGetUpdateRoundTrip(t *testing.T) {
	s := openTemp(t)
	local := time.FixedZone("HKT", 8*3600)
	o := &Order{
		OutTradeNo: "QFPOS20260310091500ABCDEFGHIJ0123456789",
		PayType:    "800201",
		Amount:     1250,
		Currency:   "HKD",
		GoodsName:  "咖啡, \"large\"",
		CreatedAt:  t0.In(local), // stored as UTC
		TxDtm:      "2026-03-10 09:15:00",
		Zone:       "Asia/Hong_Kong",
	}
	mustCreate(t, s, o)
	if o.State != StateCreating || o.CreatedAt.Location() != time.UTC {
		t.Errorf("Create left state %q, created_at %v", o.State, o.CreatedAt)
	}
	wantFirst := []Change{{At: t0, To: StateCreating, Cause: "created"}}
	if !reflect.DeepEqual(o.History, wantFirst) {
		t.Errorf("history after Create = %+v, want %+v", o.History, wantFirst)
	}
	got, err := s.Get(o.OutTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, o) {
		t.Errorf("Get = %+v\nwant  %+v", got, o)
	}

	steps := []func(o *Order) error{
		func(o *Order) error {
			o.SysSN, o.QRCode, o.ExpiresAt = "20260310000300020086358791", "weixin://wxpay/bizpayurl?pr=abc", t0.Add(5*time.Minute)
			o.SetState(StateAwaiting, t0.Add(time.Second), "payment respcd=0000", "0000")
			return nil
		},
		func(o *Order) error {
			o.RespCd, o.RespMsg, o.PaidAt = "0000", "OK", t0.Add(time.Minute).In(local)
			o.SetState(StatePaid, t0.Add(time.Minute), "query respcd=0000", "0000")
			return nil
		},
		func(o *Order) error {
			o.Refunds = append(o.Refunds, Refund{OutTradeNo: "R1", Amount: 250, State: RefundCreating, CreatedAt: t0.Add(time.Hour), TxDtm: "2026-03-10 10:15:00"})
			return nil
		},
		func(o *Order) error {
			o.Refunds[0].State, o.Refunds[0].SysSN, o.Refunds[0].RespCd = RefundDone, "20260310000300020086358800", "0000"
			return nil
		},
	}
	want := o
	for i, step := range steps {
		w := *want
		w.Refunds = slices.Clone(want.Refunds)
		w.History = slices.Clone(want.History)
		step(&w)
		normalize(&w)
		got, err := s.Update(o.OutTradeNo, step)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, &w) {
			t.Errorf("step %d: Update returned %+v\nwant %+v", i, got, &w)
		}
		if read, _ := s.Get(o.OutTradeNo); !reflect.DeepEqual(read, &w) {
			t.Errorf("step %d: Get = %+v\nwant %+v", i, read, &w)
		}
		want = &w
	}
	if want.Refunded() != 250 || len(want.History) != 3 {
		t.Errorf("refunded %d, %d history entries", want.Refunded(), len(want.History))
	}
	byRefund, err := s.FindByRefund("R1")
	if err != nil || byRefund.OutTradeNo != o.OutTradeNo {
		t.Errorf("FindByRefund(R1) = %v, %v", byRefund, err)
	}
	checkIndexes(t, s)
}

func TestCreateKeepsCallersOrderOnError(t *testing.T) {
	s := openTemp(t)
	mustCreate(t, s, newOrder("A1", t0))
	o := newOrder("A1", time.Time{})
	before := *o
	if err := s.Create(o); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if !reflect.DeepEqual(*o, before) {
		t.Errorf("failed Create changed the order to %+v", o)
	}
	// Retrying with a new number records one "created" entry, not two.
	o.OutTradeNo = "A2"
	mustCreate(t, s, o)
	if len(o.History) != 1 || o.CreatedAt.IsZero() {
		t.Errorf("history %+v, created_at %v", o.History, o.CreatedAt)
	}
}

func TestOutTradeNoTaken(t *testing.T) {
	s := openTemp(t)
	paid := newOrder("PAID1", t0)
	paid.State = StatePaid
	paid.Refunds = []Refund{{OutTradeNo: "REF1", Amount: 100, State: RefundDone}}
	mustCreate(t, s, paid)
	mustCreate(t, s, newOrder("OTHER", t0))

	addRefund := func(no string) func(*Order) error {
		return func(o *Order) error {
			o.Refunds = append(o.Refunds, Refund{OutTradeNo: no, Amount: 10, State: RefundCreating})
			return nil
		}
	}
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"order number of an order", func() error { return s.Create(newOrder("PAID1", t0)) }},
		{"order number of a refund", func() error { return s.Create(newOrder("REF1", t0)) }},
		{"new order holding a used refund number", func() error {
			o := newOrder("NEW1", t0)
			o.Refunds = []Refund{{OutTradeNo: "REF1", Amount: 1, State: RefundCreating}}
			return s.Create(o)
		}},
		{"refund number of another order's refund", func() error { _, err := s.Update("OTHER", addRefund("REF1")); return err }},
		{"refund number of an order", func() error { _, err := s.Update("PAID1", addRefund("OTHER")); return err }},
		{"refund number of the order itself", func() error { _, err := s.Update("PAID1", addRefund("PAID1")); return err }},
		{"refund number twice in one order", func() error {
			_, err := s.Update("PAID1", func(o *Order) error { addRefund("REF2")(o); return addRefund("REF2")(o) })
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.do(); !errors.Is(err, ErrExists) {
				t.Errorf("err = %v, want ErrExists", err)
			}
		})
	}
	if _, err := s.Get("NEW1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused order NEW1 was saved: %v", err)
	}
	if o, _ := s.Get("PAID1"); len(o.Refunds) != 1 {
		t.Errorf("refused refunds were saved: %+v", o.Refunds)
	}
	if n, _ := s.Count(); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
	checkIndexes(t, s)
}

func TestInvalid(t *testing.T) {
	s := openTemp(t)
	ok1 := newOrder("OK1", t0)
	ok1.Refunds = []Refund{{OutTradeNo: "RX1", Amount: 1, State: RefundCreating}}
	mustCreate(t, s, ok1)
	for _, c := range []struct {
		name string
		o    *Order
	}{
		{"empty number", newOrder("", t0)},
		{"dash in number", newOrder("A-1", t0)},
		{"space in number", newOrder("A 1", t0)},
		{"number too long", newOrder(strings.Repeat("A", 129), t0)},
		{"lower-case currency", &Order{OutTradeNo: "X1", Amount: 1, Currency: "hkd"}},
		{"no currency", &Order{OutTradeNo: "X2", Amount: 1}},
		{"zero amount", &Order{OutTradeNo: "X3", Currency: "HKD"}},
		{"negative amount", &Order{OutTradeNo: "X4", Amount: -5, Currency: "HKD"}},
		{"year 2300", newOrder("X5", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))},
		{"bad refund number", &Order{OutTradeNo: "X6", Amount: 1, Currency: "HKD", Refunds: []Refund{{OutTradeNo: "R-1", Amount: 1, State: RefundCreating}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := s.Create(c.o); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	mustCreate(t, s, newOrder(strings.Repeat("a", 125)+"_|*", t0)) // 128, legacy charset
	for _, c := range []struct {
		name string
		fn   func(*Order) error
	}{
		{"change number", func(o *Order) error { o.OutTradeNo = "OK2"; return nil }},
		{"change created_at", func(o *Order) error { o.CreatedAt = o.CreatedAt.Add(time.Second); return nil }},
		{"empty state", func(o *Order) error { o.State = ""; return nil }},
		{"remove a refund", func(o *Order) error { o.Refunds = nil; return nil }},
		{"renumber a refund", func(o *Order) error { o.Refunds[0].OutTradeNo = "RX2"; return nil }},
		{"rewrite history", func(o *Order) error { o.History[0].Cause = "forged"; return nil }},
		{"drop history", func(o *Order) error { o.History = o.History[1:]; return nil }},
		{"bad new refund", func(o *Order) error {
			o.Refunds = append(o.Refunds, Refund{OutTradeNo: "RX3", State: RefundCreating})
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.Update("OK1", c.fn); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if n, _ := s.Count(); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
	if o, _ := s.Get("OK1"); !reflect.DeepEqual(o, ok1) {
		t.Errorf("refused updates changed OK1 to %+v", o)
	}
	// Adding to the history is what SetState does, and is allowed.
	if _, err := s.Update("OK1", func(o *Order) error { o.SetState(StateAwaiting, t0, "ok", ""); return nil }); err != nil {
		t.Error(err)
	}
	checkIndexes(t, s)
}

func TestUpdateErrors(t *testing.T) {
	s := openTemp(t)
	o := mustCreate(t, s, newOrder("U1", t0))
	boom := errors.New("boom")
	got, err := s.Update("U1", func(o *Order) error {
		o.SetState(StatePaid, t0, "should not stick", "")
		return boom
	})
	if !errors.Is(err, boom) || got != nil {
		t.Errorf("Update = %v, %v; want nil and an error wrapping fn's", got, err)
	}
	if read, _ := s.Get("U1"); !reflect.DeepEqual(read, o) {
		t.Errorf("aborted update was saved: %+v", read)
	}
	if _, err := s.Update("NOPE", func(*Order) error { t.Error("fn called"); return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update of a missing order: %v, want ErrNotFound", err)
	}
	if _, err := s.Get("NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
	if _, err := s.FindByRefund("NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindByRefund: %v, want ErrNotFound", err)
	}
	checkIndexes(t, s)
}

func TestOpenIndexFollowsStates(t *testing.T) {
	s := openTemp(t)
	mustCreate(t, s, newOrder("B1", t0.Add(time.Minute)))
	settled := newOrder("B0", t0)
	settled.State = StateFailed
	mustCreate(t, s, settled)
	other := mustCreate(t, s, newOrder("B2", t0))

	set := func(to State) func(*Order) error {
		return func(o *Order) error { o.SetState(to, t0, "test", ""); return nil }
	}
	refund := func(st RefundState) func(*Order) error {
		return func(o *Order) error {
			if len(o.Refunds) == 0 {
				o.Refunds = append(o.Refunds, Refund{OutTradeNo: "RB1", Amount: 100})
			}
			o.Refunds[0].State = st
			return nil
		}
	}
	for _, c := range []struct {
		step string
		fn   func(*Order) error
		want []string // NotFinal, oldest first
	}{
		{"created", nil, []string{"B2", "B1"}},
		{"awaiting", set(StateAwaiting), []string{"B2", "B1"}},
		{"unknown", set(StateUnknown), []string{"B2", "B1"}},
		{"paid", set(StatePaid), []string{"B2"}},
		{"refund creating", refund(RefundCreating), []string{"B2", "B1"}},
		{"refund unknown", refund(RefundUnknown), []string{"B2", "B1"}},
		{"refund done", refund(RefundDone), []string{"B2"}},
		{"refund reopened by a second one", func(o *Order) error {
			o.Refunds = append(o.Refunds, Refund{OutTradeNo: "RB2", Amount: 1, State: RefundCreating})
			return nil
		}, []string{"B2", "B1"}},
		{"second refund failed", func(o *Order) error { o.Refunds[1].State = RefundFailed; return nil }, []string{"B2"}},
	} {
		if c.fn != nil {
			if _, err := s.Update("B1", c.fn); err != nil {
				t.Fatalf("%s: %v", c.step, err)
			}
		}
		open, err := s.NotFinal()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range open {
			got = append(got, o.OutTradeNo)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: NotFinal = %v, want %v", c.step, got, c.want)
		}
		checkIndexes(t, s)
	}
	if o, _ := s.Get("B2"); !reflect.DeepEqual(o, other) {
		t.Errorf("updates to B1 changed B2: %+v", o)
	}
}

func TestConcurrentWriters(t *testing.T) {
	s := openTemp(t, WithNoSync())
	const workers, each = 8, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				no := fmt.Sprintf("W%dN%d", w, i)
				if err := s.Create(newOrder(no, t0.Add(time.Duration(i)*time.Second))); err != nil {
					t.Error(err)
					return
				}
				_, err := s.Update(no, func(o *Order) error {
					o.SetState(StatePaid, t0, "test", "0000")
					o.Refunds = append(o.Refunds, Refund{OutTradeNo: "R" + no, Amount: 1, State: RefundDone})
					return nil
				})
				if err != nil {
					t.Error(err)
				}
				if _, _, err := s.List(ListQuery{Limit: 10}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n, _ := s.Count(); n != workers*each {
		t.Errorf("Count = %d, want %d", n, workers*each)
	}
	if open, _ := s.NotFinal(); len(open) != 0 {
		t.Errorf("%d orders still open", len(open))
	}
	checkIndexes(t, s)
}

func TestCount(t *testing.T) {
	s := openTemp(t)
	for i := range 25 {
		if n, err := s.Count(); err != nil || n != i {
			t.Fatalf("Count = %d, %v; want %d", n, err, i)
		}
		mustCreate(t, s, newOrder(fmt.Sprintf("C%d", i), t0))
		s.Update(fmt.Sprintf("C%d", i), func(o *Order) error { o.RespCd = "1143"; return nil })
	}
	// The counter survives reopening.
	path := s.Path()
	s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.Count(); n != 25 {
		t.Errorf("Count after reopen = %d, want 25", n)
	}
}

func TestNewOutTradeNo(t *testing.T) {
	for _, c := range []struct {
		prefix, wantPrefix string
	}{
		{"QFPOS", "QFPOS"},
		{"", ""},
		{"shop-1 é", "shop1"},
		{strings.Repeat("P", 40), strings.Repeat("P", 30)},
	} {
		before := time.Now().UTC().Truncate(time.Second)
		no := NewOutTradeNo(c.prefix)
		after := time.Now().UTC()
		if len(no) != len(c.wantPrefix)+34 || len(no) > 64 || !strings.HasPrefix(no, c.wantPrefix) {
			t.Errorf("NewOutTradeNo(%q) = %q (%d chars), want %q + 34 chars, at most 64", c.prefix, no, len(no), c.wantPrefix)
			continue
		}
		if err := checkOutTradeNo(no); err != nil {
			t.Error(err)
		}
		stamp, err := time.Parse("20060102150405", no[len(c.wantPrefix):][:14])
		if err != nil || stamp.Before(before) || stamp.After(after) {
			t.Errorf("%q: time part %v (%v), want between %v and %v", no, stamp, err, before, after)
		}
		for _, r := range no[len(c.wantPrefix)+14:] {
			if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
				t.Errorf("%q: random part has %q", no, r)
			}
		}
	}
	seen := make(map[string]bool, 10000)
	var used [256]int
	for range 10000 {
		no := NewOutTradeNo("QFPOS")
		if seen[no] {
			t.Fatalf("duplicate %q", no)
		}
		seen[no] = true
		for _, c := range []byte(no[19:]) {
			used[c]++
		}
	}
	// 200,000 draws over 36 characters: each comes about 5,556 times.
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") {
		if used[c] < 5000 || used[c] > 6100 {
			t.Errorf("%q drawn %d times of 200000, want about 5556", c, used[c])
		}
	}
}

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(-1, 0),
		time.Unix(0, 0),
		time.Unix(0, 1),
		t0,
		t0.Add(time.Nanosecond),
	}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(times[i-1], "Z"), timeKey(times[i], "A")
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("key of %v sorts after %v", times[i-1], times[i])
		}
		if got := keyTime(b); !got.Equal(times[i]) {
			t.Errorf("keyTime = %v, want %v", got, times[i])
		}
	}
}
