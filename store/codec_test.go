package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fullOrder has every field of Order, Refund and Change set, some times
// zero and some not.
func fullOrder() *Order {
	at := time.Date(2026, 11, 20, 1, 2, 3, 456789123, time.UTC)
	return &Order{
		OutTradeNo: "QFPOS20261120010203ABCDEFGHIJ0123456789", PayType: "800207", Amount: 123456789012,
		Currency: "HKD", GoodsName: "咖啡 =1+1", CreatedAt: at, TxDtm: "2026-11-20 09:02:03",
		Zone: "Asia/Hong_Kong", SysSN: "20261120000000000001", QRCode: "weixin://wxpay/bizpayurl?pr=x",
		ExpiresAt: at.Add(2 * time.Hour), State: StatePaid, RespCd: "0000", RespMsg: "交易成功",
		PaidAt: at.Add(time.Second),
		Refunds: []Refund{
			{OutTradeNo: "R1", Amount: 5, SysSN: "S", TxDtm: "2026-11-20 10:00:00", State: RefundDone, RespCd: "0000", RespMsg: "ok", CreatedAt: at.Add(time.Hour)},
			{OutTradeNo: "R2", Amount: 1, State: RefundUnknown},
		},
		History: []Change{
			{At: at, To: StateCreating, Cause: "created"},
			{At: time.Date(1601, 1, 1, 0, 0, 0, 1, time.UTC), From: StateCreating, To: StatePaid, Cause: "query respcd=0000", RespCd: "0000"},
		},
		Parent: "QFPOS20261120010203PARENT",
	}
}

func TestCodecRoundTrip(t *testing.T) {
	// A field added to one of these must be added to codec.go (with a
	// new form and a migration), and then counted here.
	for typ, n := range map[reflect.Type]int{
		reflect.TypeFor[Order](): 18, reflect.TypeFor[Refund](): 8, reflect.TypeFor[Change](): 5,
	} {
		if typ.NumField() != n {
			t.Fatalf("%v has %d fields, codec.go knows %d", typ, typ.NumField(), n)
		}
	}
	for _, o := range []*Order{fullOrder(), {OutTradeNo: "A", Amount: 1, Currency: "JPY", State: StateCreating}} {
		data := encodeOrder(nil, o)
		got, err := decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, o) {
			t.Errorf("decoded\n%+v\nwant\n%+v", got, o)
		}
		if p, err := parentOf(data); err != nil || p != o.Parent {
			t.Errorf("parentOf = %q, %v; want %q", p, err, o.Parent)
		}
		// The same order read from JSON (schema 1) is the same.
		js, _ := json.Marshal(o)
		fromJSON, err := decode(js)
		if err != nil || !reflect.DeepEqual(fromJSON, got) {
			t.Errorf("from JSON: %+v, %v", fromJSON, err)
		}
		if len(data) >= len(js)/2 {
			t.Errorf("binary form is %d bytes, JSON %d", len(data), len(js))
		}
		// Every cut and a byte too many are refused, never a panic.
		for i := range len(data) {
			if _, err := decode(data[:i]); !errors.Is(err, errCorrupt) {
				t.Fatalf("decode of %d of %d bytes: %v", i, len(data), err)
			}
		}
		if _, err := decode(append(data, 0)); err == nil {
			t.Error("a trailing byte is accepted")
		}
	}
}

// copyGolden copies testdata/schema1.db, made by the qfpos of schema 1
// (JSON orders, commit a94c524), to a temp file, and returns its path and
// the orders as that qfpos's Get returned them (testdata/schema1.json).
func copyGolden(t *testing.T) (string, []*Order) {
	t.Helper()
	data, err := os.ReadFile("testdata/schema1.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "orders.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile("testdata/schema1.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []*Order
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatal(err)
	}
	return path, want
}

var goldenID = Live("https://openapi-hk.qfapi.com", "GOLDENAPP")

// checkMigrated checks that the file at path is of the current schema,
// holds every order in the binary form, reads want, and kept its identity.
func checkMigrated(t *testing.T, path string, want []*Order) {
	t.Helper()
	s, err := Open(path, WithIdentity(goldenID, Identity{}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		s.Close()
		if got := schemaOf(t, path); got != uint64(len(migrations)) {
			t.Errorf("schema %d, want %d", got, len(migrations))
		}
		if _, err := Open(path, WithIdentity(Sandbox(), Sandbox())); !errors.Is(err, ErrIdentity) {
			t.Errorf("opened as sandbox: %v, want ErrIdentity", err)
		}
	}()
	if id, ok, err := s.Identity(); err != nil || !ok || !id.Same(goldenID) {
		t.Errorf("identity %v %v %v, want %v", id, ok, err, goldenID)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyRecode); v != nil {
			t.Errorf("recode key left: %q", v)
		}
		return tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
			if v[0] != orderBinary {
				t.Errorf("order %s still in the old form", k)
			}
			return nil
		})
	})
	for _, w := range want {
		got, err := s.Get(w.OutTradeNo)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("order %s:\n%+v\nwant\n%+v", w.OutTradeNo, got, w)
		}
		for _, r := range w.Refunds {
			if o, err := s.FindByRefund(r.OutTradeNo); err != nil || o.OutTradeNo != w.OutTradeNo {
				t.Errorf("FindByRefund(%s): %v", r.OutTradeNo, err)
			}
		}
	}
	if n, err := s.Count(); n != len(want) || err != nil {
		t.Errorf("Count = %d, %v; want %d", n, err, len(want))
	}
	checkIndexes(t, s)
	all, _, err := s.List(ListQuery{Limit: 1000})
	if err != nil || len(all) != len(want) {
		t.Errorf("List: %d orders, %v; want %d", len(all), err, len(want))
	}
}

// TestMigrateSchema1File opens a file made by the qfpos of schema 1.
func TestMigrateSchema1File(t *testing.T) {
	defer func(n int) { recodeChunk = n }(recodeChunk)
	recodeChunk = 7 // several transactions for the 30 orders
	path, want := copyGolden(t)
	checkMigrated(t, path, want)
}

// TestMigrationResumes: a migration cut short (a crash between two of its
// transactions) leaves a file that reads right and is finished on the next
// Open.
func TestMigrationResumes(t *testing.T) {
	path, want := copyGolden(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := setup(tx, migrations); err != nil {
			return err
		}
		// What the first of its transactions leaves, with a chunk of 10.
		orders, meta := tx.Bucket(bucketOrders), tx.Bucket(bucketMeta)
		for _, o := range want[:10] {
			if err := orders.Put([]byte(o.OutTradeNo), encodeOrder(nil, o)); err != nil {
				return err
			}
		}
		return meta.Put(keyRecode, []byte(want[10].OutTradeNo))
	})
	if err != nil {
		t.Fatal(err)
	}
	// Both forms read the same meanwhile.
	db.View(func(tx *bolt.Tx) error {
		for i, w := range want {
			v := tx.Bucket(bucketOrders).Get([]byte(w.OutTradeNo))
			if binary := v[0] == orderBinary; binary != (i < 10) {
				t.Fatalf("order %d: binary %v", i, binary)
			}
			if got, err := decode(v); err != nil || !reflect.DeepEqual(got, w) {
				t.Errorf("order %d mid-migration: %+v, %v", i, got, err)
			}
		}
		return nil
	})
	db.Close()
	checkMigrated(t, path, want)
}

// TestOpenDoesNotWrite: opening an up-to-date file only reads it.
func TestOpenDoesNotWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.db")
	sum := func() [32]byte {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(data)
	}
	for i, opts := range [][]Option{{WithIdentity(goldenID, Identity{})}, {WithIdentity(goldenID, Identity{})}, nil} {
		s, err := Open(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			mustCreate(t, s, newOrder("A1", t0))
		}
		s.Close()
		before := sum()
		s, err = Open(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if after := sum(); !bytes.Equal(before[:], after[:]) {
			t.Errorf("open %d rewrote the file", i)
		}
	}
}

// TestSearchIndexInserts: the search index stays whole through appends
// (the fast path), full blocks, inserts before and between blocks, and
// numbers in lower case; and search finds each number.
func TestSearchIndexInserts(t *testing.T) {
	s := openTemp(t, WithNoSync())
	var nos []string
	add := func(no string, at time.Time) {
		mustCreate(t, s, newOrder(no, at))
		nos = append(nos, no)
	}
	for i := range 2*blockMax + 5 {
		add(fmt.Sprintf("APP%04dX", i), t0.Add(time.Duration(i)*time.Second))
	}
	add("early0", t0.Add(-time.Hour))
	for i := range blockMax + 3 { // into the middle: splits
		add(fmt.Sprintf("mid%04d", i), t0.Add(time.Duration(blockMax)*time.Second+time.Duration(i)))
	}
	add("SAMEa", t0) // the same time as APP0000X
	add("late|_*", t0.Add(time.Hour))
	checkIndexes(t, s)
	for _, no := range nos {
		frag := strings.ToUpper(no[1:])
		got, _, err := s.List(ListQuery{Search: frag, Limit: 1000})
		if err != nil || !slices.ContainsFunc(got, func(o *Order) bool { return o.OutTradeNo == no }) {
			t.Fatalf("search %q: %d orders, %v; %s missing", frag, len(got), err, no)
		}
	}
}

// TestIndexFromAnchor: the search's own byte search agrees with
// bytes.Index whichever byte of the fragment it looks for first.
func TestIndexFromAnchor(t *testing.T) {
	text := []byte("QFPOS20260101AB12\nQFPOS20260101XYZ9\nAAB\nAB\n")
	for _, frag := range []string{"AB", "AB1", "XYZ9", "Q", "9\n", "AAB", "B\nA", "ZZ", "QFPOS20260101XYZ9\nAAB\nAB\n", "QFPOS20260101XYZ9\nAAB\nAB\nX"} {
		for anchor := range len(frag) {
			for off := 0; off <= len(text); off++ {
				want := bytes.Index(text[off:], []byte(frag))
				if want >= 0 {
					want += off
				}
				if got := index(text, off, []byte(frag), anchor); got != want {
					t.Fatalf("index(%q, from %d, anchor %d) = %d, want %d", frag, off, anchor, got, want)
				}
			}
		}
	}
}
