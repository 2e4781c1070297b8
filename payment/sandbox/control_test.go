package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
)

func TestGoControls(t *testing.T) {
	e := newEnv(t, Config{})
	e.create("G1", 1000)
	if err := e.s.Pay("NOPE"); !errors.Is(err, ErrNoSuchOrder) {
		t.Errorf("Pay(unknown) = %v", err)
	}
	must(t, e.s.Pay("G1"))
	must(t, e.s.Pay("G1")) // again: nothing happens
	if err := e.s.Decline("G1"); !errors.Is(err, ErrOrderFinal) {
		t.Errorf("Decline(paid) = %v", err)
	}
	if err := e.s.PayAfter("G1", time.Second); !errors.Is(err, ErrOrderFinal) {
		t.Errorf("PayAfter(paid) = %v", err)
	}
	e.create("G2", 1000)
	must(t, e.s.Decline("G2"))
	must(t, e.s.Decline("G2"))
	if err := e.s.Pay("G2"); !errors.Is(err, ErrOrderFinal) {
		t.Errorf("Pay(declined) = %v", err)
	}
	e.create("G3", 1000)
	must(t, e.s.PayAfter("G3", 0))
	if o, _ := e.s.Order("G3"); o.State != StatePaid || !o.PaidAt.Equal(t0) {
		t.Errorf("PayAfter 0: %+v", o)
	}
	e.create("G4", 1000)
	must(t, e.s.PayAfter("G4", 3*time.Second))
	if o, _ := e.s.Order("G4"); !o.PayAt.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("PayAt %v", o.PayAt)
	}
	e.clock.Advance(5 * time.Second)
	if o, _ := e.s.Order("G4"); o.State != StatePaid || !o.PaidAt.Equal(t0.Add(3*time.Second)) || o.PayDtm != "2026-03-14 10:00:03" {
		t.Errorf("after PayAfter: %+v", o)
	}
	wantCode(t, e.refund(str(e.record("G1"), "syssn"), "G1-R", 100), "0000")

	l := e.s.Orders()
	var got []string
	for _, o := range l {
		got = append(got, fmt.Sprintf("%s:%s", o.OutTradeNo, o.State))
	}
	if strings.Join(got, " ") != "G1:paid G2:declined G3:paid G4:paid G1-R:refund" {
		t.Errorf("Orders: %v", got)
	}
	if r := l[4]; r.OrderType != "refund" || r.OrigSysSN != l[0].SysSN || r.Amount != 100 || l[0].Refunded != 100 || l[0].Cancel != 5 {
		t.Errorf("views %+v %+v", l[0], r)
	}
	if _, ok := e.s.Order("NOPE"); ok {
		t.Errorf("Order(unknown) found")
	}
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t, Config{})
	e.create("H1", 1000)
	e.create("H2", 1000)
	e.create("H3", 1000)
	post := func(path string, q url.Values) (int, map[string]any) {
		resp, err := http.Post(e.url+path+"?"+q.Encode(), "", nil)
		must(t, err)
		defer resp.Body.Close()
		var m map[string]any
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v in %s", path, err, b)
		}
		return resp.StatusCode, m
	}
	tests := []struct {
		name   string
		path   string
		q      url.Values
		status int
		state  State // of the answer's order
	}{
		{"pay", "/sandbox/control/pay", url.Values{"out_trade_no": {"H1"}}, 200, StatePaid},
		{"pay again", "/sandbox/control/pay", url.Values{"out_trade_no": {"H1"}}, 200, StatePaid},
		{"decline paid", "/sandbox/control/decline", url.Values{"out_trade_no": {"H1"}}, 409, ""},
		{"decline", "/sandbox/control/decline", url.Values{"out_trade_no": {"H2"}}, 200, StateDeclined},
		{"pay unknown", "/sandbox/control/pay", url.Values{"out_trade_no": {"NOPE"}}, 404, ""},
		{"pay nothing", "/sandbox/control/pay", nil, 400, ""},
		{"pay-after", "/sandbox/control/pay-after", url.Values{"out_trade_no": {"H3"}, "after": {"2s"}}, 200, StatePending},
		{"pay-after bad", "/sandbox/control/pay-after", url.Values{"out_trade_no": {"H3"}, "after": {"later"}}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, m := post(tt.path, tt.q)
			if status != tt.status {
				t.Fatalf("HTTP %d, want %d: %v", status, tt.status, m)
			}
			if tt.status != 200 {
				if m["error"] == nil {
					t.Errorf("no error in %v", m)
				}
				return
			}
			if o := m["order"].(map[string]any); o["state"] != string(tt.state) {
				t.Errorf("order %v", o)
			}
		})
	}
	e.clock.Advance(2 * time.Second)
	if r := e.record("H3"); r["respcd"] != "0000" {
		t.Errorf("pay-after: %v", r)
	}
	status, _ := post("/sandbox/control/pay-after", url.Values{"out_trade_no": {"H4"}, "after": {"1.5"}})
	if status != 404 {
		t.Errorf("pay-after unknown: %d", status)
	}

	resp, err := http.Get(e.url + "/sandbox/control/orders")
	must(t, err)
	var list struct{ Orders []OrderView }
	must(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	if len(list.Orders) != 3 || list.Orders[0].OutTradeNo != "H1" || list.Orders[2].State != StatePaid || list.Orders[0].SysSN == "" {
		t.Errorf("orders %+v", list.Orders)
	}
	if resp, _ := http.Get(e.url + "/sandbox/control/pay?out_trade_no=H1"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET pay: %d", resp.StatusCode)
	}
}

func TestStart(t *testing.T) {
	s, err := Start("", Config{})
	must(t, err)
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL())
	}
	if s.PublicURL() != "" {
		t.Errorf("PublicURL %q on loopback", s.PublicURL())
	}
	e := &env{t: t, s: s, url: s.URL(), app: DefaultAppCode, key: DefaultClientKey, clock: &fakeClock{t: time.Now()}}
	m := e.call(req{path: "/trade/v1/payment", body: map[string]string{
		"pay_type": "800201", "out_trade_no": "S1", "txamt": "1000", "txcurrcd": "HKD",
		"txdtm": time.Now().Format(payment.TimeLayout),
	}})
	wantCode(t, m, "0000")
	qr := str(m, "qrcode")
	if qr != s.URL()+"/sandbox/pay/S1" {
		t.Errorf("qrcode %q", qr)
	}
	resp, err := http.Get(qr)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("qrcode page HTTP %d", resp.StatusCode)
	}
	must(t, s.Close())
	if _, err := http.Get(qr); err == nil {
		t.Errorf("served after Close")
	}
	if err := New(Config{}).Close(); err != nil || New(Config{}).URL() != "" {
		t.Errorf("New: Close %v URL %q", err, New(Config{}).URL())
	}
	if _, err := Start("127.0.0.1:-1", Config{}); err == nil {
		t.Errorf("Start on a bad address succeeded")
	}
}

func TestStartAllInterfaces(t *testing.T) {
	s, err := Start("0.0.0.0:0", Config{})
	if err != nil {
		t.Skip("cannot listen on 0.0.0.0:", err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q", s.URL())
	}
	u, err := url.Parse(s.PublicURL())
	must(t, err)
	ip := net.ParseIP(u.Hostname())
	if ip == nil || ip.To4() == nil || ip.IsUnspecified() || u.Port() != strings.TrimPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("PublicURL %q", s.PublicURL())
	}
	if want := lanIPv4(); u.Hostname() != want {
		t.Errorf("PublicURL host %s, want %s", u.Hostname(), want)
	}
	if !s.Public() || s.AppCode() == DefaultAppCode || s.cfg.ClientKey == DefaultClientKey || s.ControlToken() == "" {
		t.Errorf("on all interfaces: public %v, app code %s, key the default %v, token %q", s.Public(), s.AppCode(), s.cfg.ClientKey == DefaultClientKey, s.ControlToken())
	}
	e := &env{t: t, s: s, url: s.URL(), app: s.AppCode(), key: s.cfg.ClientKey, clock: &fakeClock{t: time.Now()}}
	m := e.create("A1", 100)
	if qr := str(m, "qrcode"); !strings.HasPrefix(qr, s.PublicURL()+"/sandbox/pay/A1?k=") {
		t.Errorf("qrcode %q, want the LAN address", qr)
	}

	// Config.PublicURL wins.
	s2, err := Start("0.0.0.0:0", Config{PublicURL: "http://stand.local:9000/", AppCode: "A", ClientKey: "K"})
	must(t, err)
	defer s2.Close()
	e.s, e.url, e.app, e.key = s2, s2.URL(), "A", "K"
	if qr := str(e.create("A2", 100), "qrcode"); !strings.HasPrefix(qr, "http://stand.local:9000/sandbox/pay/A2?k=") {
		t.Errorf("qrcode %q", qr)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, Config{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				out := fmt.Sprintf("C%d-%d", g, i)
				p := e.payParams(out, 1000)
				resp, body, err := e.raw(req{path: "/trade/v1/payment", body: p})
				if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), `"respcd":"0000"`) {
					errs <- fmt.Errorf("%s: %v %s", out, err, body)
					continue
				}
				if i%2 == 0 {
					if err := e.s.Pay(out); err != nil {
						errs <- err
					}
				}
				e.s.Orders()
				e.raw(req{path: "/trade/v1/query", body: map[string]string{"out_trade_no": out}})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	paid := 0
	for _, o := range e.s.Orders() {
		if seen[o.SysSN] {
			t.Errorf("syssn %s twice", o.SysSN)
		}
		seen[o.SysSN] = true
		if o.State == StatePaid {
			paid++
		}
	}
	if len(seen) != 100 || paid != 50 {
		t.Errorf("%d orders, %d paid", len(seen), paid)
	}
}

func TestCloseCutsDelays(t *testing.T) {
	s, err := Start("", Config{})
	must(t, err)
	e := &env{t: t, s: s, url: s.URL(), app: DefaultAppCode, key: DefaultClientKey, clock: &fakeClock{t: time.Now()}}
	s.SetFaults(Faults{Payment: []Fault{{Kind: FaultLatency, Delay: time.Minute}}})
	done := make(chan error, 1)
	go func() {
		_, _, err := e.raw(req{path: "/trade/v1/payment", body: e.payParams("SLOW", 100)})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	must(t, s.Close())
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("the delayed request was answered")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not cut the delay short")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("Close took %v", time.Since(start))
	}
	if _, ok := s.Order("SLOW"); ok {
		t.Errorf("the cut-short request was carried out")
	}
}
