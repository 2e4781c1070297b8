package sandbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// controlCall sends one control API request with the given Authorization
// header ("" for none) and returns its status.
func (e *env) controlCall(method, path, auth string, body string) int {
	e.t.Helper()
	r, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	must(e.t, err)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(r)
	must(e.t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestPublicControlAPIWantsTheToken(t *testing.T) {
	// A server configured public, on loopback: no traffic leaves the machine.
	e := newEnv(t, Config{Public: true})
	tok := e.s.ControlToken()
	if len(tok) < 26 {
		t.Fatalf("token %q", tok)
	}
	calls := []struct{ method, path, body string }{
		{"GET", "/sandbox/control/orders", ""},
		{"GET", "/sandbox/control/faults", ""},
		{"POST", "/sandbox/control/faults", `{"payment":[{"kind":"drop"}]}`},
		{"POST", "/sandbox/control/pay?out_trade_no=T1", ""},
		{"POST", "/sandbox/control/decline?out_trade_no=T2", ""},
		{"POST", "/sandbox/control/pay-after?out_trade_no=T3&after=1s", ""},
		{"GET", "/sandbox/", ""},
	}
	e.create("T1", 100)
	e.create("T2", 100)
	e.create("T3", 100)
	for _, auth := range []string{"", "Bearer", "Bearer " + tok[:len(tok)-1] + "x", "Basic " + tok, tok} {
		for _, c := range calls {
			if got := e.controlCall(c.method, c.path, auth, c.body); got != http.StatusUnauthorized {
				t.Errorf("%s %s with Authorization %q: HTTP %d, want 401", c.method, c.path, auth, got)
			}
		}
	}
	if o, _ := e.s.Order("T1"); o.State != StatePending {
		t.Errorf("T1 %s after refused calls", o.State)
	}
	if len(e.s.Faults().Payment) != 0 {
		t.Errorf("faults queued by refused calls: %+v", e.s.Faults())
	}
	for _, c := range calls {
		if got := e.controlCall(c.method, c.path, "Bearer "+tok, c.body); got != http.StatusOK {
			t.Errorf("%s %s with the token: HTTP %d", c.method, c.path, got)
		}
	}
	if o, _ := e.s.Order("T1"); o.State != StatePaid {
		t.Errorf("T1 %s after pay with the token", o.State)
	}

	// On loopback the control API stays open (documented), but a browser
	// page of another site cannot drive it.
	l := newEnv(t, Config{})
	if l.s.ControlToken() != "" || l.controlCall("GET", "/sandbox/control/orders", "", "") != http.StatusOK {
		t.Errorf("loopback control API: token %q", l.s.ControlToken())
	}
	l.create("L1", 100)
	r, _ := http.NewRequest("POST", l.url+"/sandbox/control/pay?out_trade_no=L1", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(r)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: HTTP %d, want 403", resp.StatusCode)
	}
	if o, _ := l.s.Order("L1"); o.State != StatePending {
		t.Errorf("L1 %s after a cross-site POST", o.State)
	}
	// A loopback server given a token wants it too.
	k := newEnv(t, Config{ControlToken: "secret"})
	if k.controlCall("GET", "/sandbox/control/orders", "", "") != http.StatusUnauthorized ||
		k.controlCall("GET", "/sandbox/control/orders", "Bearer secret", "") != http.StatusOK {
		t.Errorf("loopback server with a token")
	}
}

func TestPublicServerMakesRandomCredentials(t *testing.T) {
	hex32 := regexp.MustCompile(`^[0-9A-F]{32}$`)
	a, b := New(Config{Public: true}), New(Config{Public: true})
	for _, s := range []*Server{a, b} {
		if s.AppCode() == DefaultAppCode || s.cfg.ClientKey == DefaultClientKey || !hex32.MatchString(s.AppCode()) || !hex32.MatchString(s.cfg.ClientKey) {
			t.Errorf("public server credentials: app code %s, key default %v", s.AppCode(), s.cfg.ClientKey == DefaultClientKey)
		}
	}
	if a.AppCode() == b.AppCode() || a.cfg.ClientKey == b.cfg.ClientKey || a.ControlToken() == b.ControlToken() {
		t.Errorf("two public servers share credentials or token")
	}
	// Credentials given are kept; a loopback server keeps the defaults.
	if c := New(Config{Public: true, AppCode: "A", ClientKey: "K", ControlToken: "T"}); c.AppCode() != "A" || c.cfg.ClientKey != "K" || c.ControlToken() != "T" {
		t.Errorf("given credentials not kept: %s %s", c.AppCode(), c.ControlToken())
	}
	if l := New(Config{}); l.AppCode() != DefaultAppCode || l.cfg.ClientKey != DefaultClientKey || l.ControlToken() != "" {
		t.Errorf("loopback server: %s %q", l.AppCode(), l.ControlToken())
	}
	// The published key is refused by a public server.
	e := newEnv(t, Config{Public: true})
	e.key = DefaultClientKey
	if _, body, err := e.raw(req{path: "/trade/v1/payment", body: e.payParams("PK1", 100)}); err != nil || !strings.Contains(string(body), `"respcd":"1108"`) {
		t.Errorf("signed with the published key: %v %s", err, body)
	}
}

func TestPublicPayerPageIsBoundToItsOrder(t *testing.T) {
	e := newEnv(t, Config{Public: true})
	qr := str(e.create("B1", 100), "qrcode")
	e.create("B2", 100)
	u, err := url.Parse(qr)
	must(t, err)
	if u.Path != "/sandbox/pay/B1" || len(u.Query().Get("k")) < 26 {
		t.Fatalf("qrcode %q", qr)
	}
	link := u.RequestURI()
	if o, _ := e.s.Order("B1"); o.PayerLink != link {
		t.Errorf("PayerLink %q, qrcode %q", o.PayerLink, link)
	}
	pay := url.Values{"action": {"pay"}}
	for _, bad := range []string{"/sandbox/pay/B1", "/sandbox/pay/B1?k=", "/sandbox/pay/B1?k=WRONG", "/sandbox/pay/B2?" + u.RawQuery} {
		for _, m := range []string{"GET", "POST"} {
			var form url.Values
			if m == "POST" {
				form = pay
			}
			if resp, _ := e.page(m, e.url+bad, form); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: HTTP %d, want 404", m, bad, resp.StatusCode)
			}
		}
	}
	for _, out := range []string{"B1", "B2"} {
		if o, _ := e.s.Order(out); o.State != StatePending {
			t.Errorf("%s %s after pages without its key", out, o.State)
		}
	}
	resp, body := e.page("GET", e.url+link, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/sandbox/pay/B1?k=`) {
		t.Errorf("payer page with its key: HTTP %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := e.page("POST", e.url+link, pay); resp.StatusCode != 200 {
		t.Errorf("pay with its key: HTTP %d", resp.StatusCode)
	}
	if o, _ := e.s.Order("B1"); o.State != StatePaid {
		t.Errorf("B1 %s", o.State)
	}
	if o, _ := e.s.Order("B2"); o.State != StatePending {
		t.Errorf("B2 %s: paying B1 touched it", o.State)
	}
}

func TestPublicPagesAreRateLimited(t *testing.T) {
	s := New(Config{Public: true})
	limited := 0
	for range 2 * pageBurst {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/sandbox/pay/NOPE", nil))
		if w.Code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("%d page requests at once, none refused", 2*pageBurst)
	}
	l := New(Config{})
	for range 2 * pageBurst {
		w := httptest.NewRecorder()
		l.ServeHTTP(w, httptest.NewRequest("GET", "/sandbox/pay/NOPE", nil))
		if w.Code != http.StatusNotFound {
			t.Fatalf("loopback page: HTTP %d", w.Code)
		}
	}
}

func TestTablesAreBounded(t *testing.T) {
	e := newEnv(t, Config{})
	// OAuth codes: used and expired ones make room; live ones do not.
	e.s.mu.Lock()
	for i := range maxCodes {
		e.s.codes[string(rune(i))+"used"] = &oauthCode{issued: t0, used: true}
	}
	e.s.mu.Unlock()
	e.oauthCode()
	e.s.mu.Lock()
	n := len(e.s.codes)
	for i := range maxCodes {
		e.s.codes[string(rune(i))+"live"] = &oauthCode{issued: t0}
	}
	e.s.mu.Unlock()
	if n != 1 {
		t.Errorf("%d codes after pruning, want 1", n)
	}
	if resp, _ := e.page("GET", e.oauthURL("https://shop.example/back"), nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("OAuth code with the table full: HTTP %d", resp.StatusCode)
	}
	// openids expire after an hour, and make room then.
	e.s.mu.Lock()
	clear(e.s.codes)
	for i := range maxOpenIDs {
		e.s.openids[string(rune(i))] = t0
	}
	e.s.mu.Unlock()
	wantCode(t, e.openID(e.oauthCode()), "1104")
	e.clock.Advance(openidTTL + time.Second)
	wantCode(t, e.openID(e.oauthCode()), "0000")
	if len(e.s.openids) != 1 {
		t.Errorf("%d openids", len(e.s.openids))
	}
	// Faults.
	if err := (Faults{Payment: make([]Fault, maxFaults+1)}).Validate(); err == nil {
		t.Errorf("%d faults validate", maxFaults+1)
	}
	// Orders.
	o := e.create("O1", 100)
	e.s.mu.Lock()
	for len(e.s.list) < maxOrders {
		e.s.list = append(e.s.list, e.s.list[0])
	}
	e.s.mu.Unlock()
	wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("O2", 100)}), "1104")
	must(t, e.s.Pay("O1"))
	wantCode(t, e.refund(str(o, "syssn"), "O1-R", 100), "1104")
}

func TestStartSetsEveryTimeout(t *testing.T) {
	s, err := Start("", Config{})
	must(t, err)
	defer s.Close()
	h := s.httpSrv
	if h.ReadHeaderTimeout <= 0 || h.ReadTimeout <= 0 || h.WriteTimeout <= 0 || h.IdleTimeout <= 0 || h.MaxHeaderBytes <= 0 {
		t.Errorf("timeouts: header %v read %v write %v idle %v, max header %d", h.ReadHeaderTimeout, h.ReadTimeout, h.WriteTimeout, h.IdleTimeout, h.MaxHeaderBytes)
	}
	if s.Public() || s.ControlToken() != "" {
		t.Errorf("a loopback Start is public")
	}
}
