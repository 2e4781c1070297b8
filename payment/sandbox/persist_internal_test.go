package sandbox

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countMarshal makes s count the serialisations of its state.
func countMarshal(s *Server) *atomic.Int32 {
	var n atomic.Int32
	s.mu.Lock()
	s.marshal = func(v any) ([]byte, error) {
		n.Add(1)
		return json.Marshal(v)
	}
	s.mu.Unlock()
	return &n
}

// TestPersistOnlyWhenChanged checks that the state is serialised after
// the requests and calls that change an order, and not after those that
// only look (queries, pages, the control API's lists, a Pay of a paid
// order).
func TestPersistOnlyWhenChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	e := newEnv(t, Config{StatePath: path})
	n := countMarshal(e.s)
	saves := func(want int32, what string) {
		t.Helper()
		if got := n.Swap(0); got != want {
			t.Errorf("%s: state serialised %d times, want %d", what, got, want)
		}
	}

	m := e.create("P1", 1000)
	saves(1, "payment")
	e.create("P2", 500)
	saves(1, "second payment")
	for i := 0; i < 3; i++ {
		e.record("P1")
	}
	e.page("GET", e.url+"/sandbox/", nil)
	e.page("GET", e.url+payerPath("P1"), nil)
	e.page("GET", e.url+"/sandbox/control/orders", nil)
	wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("P1", 1000)}), "1102") // nothing changes
	saves(0, "queries, pages and a refused payment")

	must(t, e.s.Pay("P1"))
	saves(1, "Pay")
	must(t, e.s.Pay("P1"))
	saves(0, "Pay of a paid order")
	e.refund(str(m, "syssn"), "P1R", 100)
	saves(1, "refund")
	e.cancel("/trade/v1/close", "P2", 500)
	saves(1, "close")
	e.cancel("/trade/v1/close", "P2", 500) // idempotent: nothing changes
	saves(0, "second close")
	resp, _ := e.page("POST", e.url+"/sandbox/control/pay-after?out_trade_no=P3&after=1s", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("pay-after of no order: HTTP %d", resp.StatusCode)
	}
	saves(0, "pay-after of no order")

	// Time expiring an order is a change too, saved after the next request.
	e.create("P4", 700)
	saves(1, "third payment")
	e.clock.Advance(31 * time.Minute)
	e.record("P4")
	saves(1, "query that expires an order")
	e.record("P4")
	saves(0, "query of the expired order")

	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"out_trade_no":"P4"`) || !strings.Contains(string(b), `"state":"expired"`) {
		t.Errorf("state file %s, %v", b, err)
	}
}

// oldState is a state file as the sandbox wrote it before its
// persistence was reworked: a paid and partly refunded payment, its
// refund, a closed payment, one with a PayAfter pending and an 800207
// order.
const oldState = `{"seq":6,"sn_base":5710717708,"orders":[{"seq":1,"syssn":"20260314000300025710717709","out_trade_no":"PAID1","order_type":"payment","pay_type":"800201","txamt":1250,"txcurrcd":"HKD","txdtm":"2026-03-14 10:00:00","goods_name":"Flat white","created":"2026-03-14T10:00:00+08:00","expires":"2026-03-14T10:30:00+08:00","state":"paid","paid_at":"2026-03-14T10:00:00+08:00","refunded":250},{"seq":2,"syssn":"20260314000300025710717710","out_trade_no":"PAID1R","order_type":"refund","pay_type":"800201","txamt":250,"txcurrcd":"HKD","txdtm":"2026-03-14 10:00:00","goods_name":"Flat white","created":"2026-03-14T10:00:00+08:00","state":"refund","paid_at":"2026-03-14T10:00:00+08:00","origssn":"20260314000300025710717709"},{"seq":3,"syssn":"20260314000300025710717711","out_trade_no":"CLOSED1","order_type":"payment","pay_type":"800201","txamt":300,"txcurrcd":"HKD","txdtm":"2026-03-14 10:00:00","goods_name":"Flat white","created":"2026-03-14T10:00:00+08:00","expires":"2026-03-14T10:30:00+08:00","state":"closed","cancelled":true,"cancel_sn":"20260314000300025710717712"},{"seq":5,"syssn":"20260314000300025710717713","out_trade_no":"LATER1","order_type":"payment","pay_type":"800201","txamt":400,"txcurrcd":"HKD","txdtm":"2026-03-14 10:00:00","goods_name":"Flat white","created":"2026-03-14T10:00:00+08:00","expires":"2026-03-14T10:30:00+08:00","state":"pending","pay_at":"2026-03-14T11:00:00+08:00"},{"seq":6,"syssn":"20260314000300025710717714","out_trade_no":"JS1","order_type":"payment","pay_type":"800207","txamt":1234,"txcurrcd":"HKD","txdtm":"2026-03-14 10:00:00","goods_name":"Flat white","created":"2026-03-14T10:00:00+08:00","expires":"2026-03-14T10:30:00+08:00","state":"pending","pay_params":{"appId":"wx5a4db0c5a4db0c","nonceStr":"712f921e853cb39a975c1bddf1b536f0","package":"prepay_id=wx20260314100000dc9ae13bf35e011e29","paySign":"356BD2C0EBCD236E2A7D78B5EFEA0660","signType":"MD5","timeStamp":"1773453600"}}]}`

// TestLoadOldState checks that a state file in the established format
// loads — orders, numbers, the prepay_id index of 800207 orders — and is
// written back byte for byte.
func TestLoadOldState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	must(t, os.WriteFile(path, []byte(oldState), 0o600))
	e := newEnv(t, Config{StatePath: path})
	n := countMarshal(e.s)

	l := e.s.Orders()
	var outs []string
	for _, o := range l {
		outs = append(outs, o.OutTradeNo)
	}
	if strings.Join(outs, " ") != "PAID1 PAID1R CLOSED1 LATER1 JS1" {
		t.Fatalf("orders %v", outs)
	}
	if o := l[0]; o.State != StatePaid || o.Refunded != 250 || o.Cancel != 5 || o.Amount != 1250 {
		t.Errorf("PAID1 %+v", o)
	}
	if o := l[2]; o.State != StateClosed || o.Cancel != 2 {
		t.Errorf("CLOSED1 %+v", o)
	}
	if o := l[3]; !o.PayAt.Equal(t0.Add(time.Hour)) || o.State != StatePending {
		t.Errorf("LATER1 %+v", o)
	}
	e.s.mu.Lock()
	js := e.s.byPrepay["wx20260314100000dc9ae13bf35e011e29"]
	seqs := []int64{}
	for _, o := range e.s.list {
		seqs = append(seqs, o.seq)
	}
	e.s.mu.Unlock()
	if js == nil || js.outTradeNo != "JS1" {
		t.Errorf("800207 order not found by its prepay_id: %v", js)
	}
	if got, _ := json.Marshal(seqs); string(got) != "[1,2,3,5,6]" {
		t.Errorf("seqs %s", got)
	}
	e.record("PAID1")
	if got := n.Load(); got != 0 {
		t.Errorf("state serialised %d times with nothing changed", got)
	}

	// Written back unchanged.
	e.s.mu.Lock()
	e.s.dirty = true
	e.s.saved = nil
	e.s.mu.Unlock()
	e.s.persist()
	if b, _ := os.ReadFile(path); string(b) != oldState {
		t.Errorf("written back differently:\n%s\nwant\n%s", b, oldState)
	}
	// New numbers follow the loaded ones.
	m := e.create("NEW1", 100)
	if str(m, "syssn") != "20260314000300025710717715" {
		t.Errorf("syssn %s", str(m, "syssn"))
	}
}
