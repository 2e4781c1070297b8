package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
)

// hkt is the zone the tests run the sandbox in, unlike the machine's.
var hkt = time.FixedZone("HKT", 8*3600)

// t0 is the tests' starting time.
var t0 = time.Date(2026, 3, 14, 10, 0, 0, 0, hkt)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a sandbox behind httptest with a fake clock.
type env struct {
	t     *testing.T
	s     *Server
	url   string // base URL of the sandbox
	clock *fakeClock
	app   string
	key   string
	mchid string // sent on every API call when set
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	clock := &fakeClock{t: t0}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Location == nil {
		cfg.Location = hkt
	}
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { s.Close() }) // runs first: cuts fault delays short
	return &env{t: t, s: s, url: ts.URL, clock: clock, app: s.cfg.AppCode, key: s.cfg.ClientKey, mchid: cfg.MchID}
}

// req is one raw API request.
type req struct {
	method   string // "" = POST
	path     string
	body     map[string]string // form body (POST) or query (GET)
	query    map[string]string // extra query parameters, signed too
	signType payment.SignType  // "" = MD5 without the header
	header   map[string]string // overrides: X-QF-APPCODE, X-QF-SIGN ...
}

func values(m map[string]string) url.Values {
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v
}

// build signs and builds r the way a QFPay client does.
func (e *env) build(r req) *http.Request {
	e.t.Helper()
	all := map[string]string{}
	for k, v := range r.body {
		all[k] = v
	}
	for k, v := range r.query {
		all[k] = v
	}
	st := r.signType
	if st == "" {
		st = payment.SignMD5
	}
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	u := e.url + r.path
	var body io.Reader
	q := values(r.query)
	if method == http.MethodGet {
		for k, v := range r.body {
			q.Set(k, v)
		}
	} else {
		body = strings.NewReader(values(r.body).Encode())
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	hr, err := http.NewRequest(method, u, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hr.Header.Set("X-QF-APPCODE", e.app)
	hr.Header.Set("X-QF-SIGN", signReceived(all, e.key, st)) // every key sent, as QFPay's samples sign
	if r.signType != "" {
		hr.Header.Set("X-QF-SIGNTYPE", string(r.signType))
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	return hr
}

// raw sends r and returns the response and its body.
func (e *env) raw(r req) (*http.Response, []byte, error) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(e.build(r))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// call sends r, checks the answer is HTTP 200 JSON signed with the
// client key, and decodes it.
func (e *env) call(r req) map[string]any {
	e.t.Helper()
	resp, body, err := e.raw(r)
	if err != nil {
		e.t.Fatalf("%s: %v", r.path, err)
	}
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d: %s", r.path, resp.StatusCode, body)
	}
	if !payment.VerifyBody(body, resp.Header.Get("X-QF-SIGN"), e.key) {
		e.t.Fatalf("%s: X-QF-SIGN %q does not verify for %s", r.path, resp.Header.Get("X-QF-SIGN"), body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		e.t.Fatalf("%s: %v in %s", r.path, err, body)
	}
	return m
}

func (e *env) withMchID(p map[string]string) map[string]string {
	if e.mchid != "" {
		if _, ok := p["mchid"]; !ok {
			p["mchid"] = e.mchid
		}
	}
	return p
}

func (e *env) txdtm() string { return e.clock.Now().In(hkt).Format(payment.TimeLayout) }

// payParams are the parameters of a valid 800201 payment.
func (e *env) payParams(out string, amount int64) map[string]string {
	return e.withMchID(map[string]string{
		"pay_type": "800201", "out_trade_no": out, "txamt": fmt.Sprint(amount),
		"txcurrcd": "HKD", "txdtm": e.txdtm(), "goods_name": "Flat white",
	})
}

func (e *env) create(out string, amount int64) map[string]any {
	e.t.Helper()
	m := e.call(req{path: "/trade/v1/payment", body: e.payParams(out, amount)})
	wantCode(e.t, m, "0000")
	return m
}

func (e *env) query(p map[string]string) map[string]any {
	e.t.Helper()
	return e.call(req{path: "/trade/v1/query", body: e.withMchID(p)})
}

// records queries and returns the data records.
func (e *env) records(p map[string]string) []map[string]any {
	e.t.Helper()
	m := e.query(p)
	wantCode(e.t, m, "0000")
	data, ok := m["data"].([]any)
	if !ok {
		e.t.Fatalf("query data is %T, want a list: %v", m["data"], m)
	}
	out := make([]map[string]any, len(data))
	for i, d := range data {
		out[i] = d.(map[string]any)
	}
	return out
}

// record is the one query record of out_trade_no.
func (e *env) record(out string) map[string]any {
	e.t.Helper()
	l := e.records(map[string]string{"out_trade_no": out})
	if len(l) != 1 {
		e.t.Fatalf("query %s: %d records, want 1", out, len(l))
	}
	return l[0]
}

func (e *env) cancel(path, out string, amount int64) map[string]any {
	e.t.Helper()
	return e.call(req{path: path, body: e.withMchID(map[string]string{
		"out_trade_no": out, "txamt": fmt.Sprint(amount), "txdtm": e.txdtm(),
	})})
}

func (e *env) refund(syssn, out string, amount int64) map[string]any {
	e.t.Helper()
	return e.call(req{path: "/trade/v1/refund", body: e.withMchID(map[string]string{
		"syssn": syssn, "out_trade_no": out, "txamt": fmt.Sprint(amount), "txdtm": e.txdtm(),
	})})
}

// page GETs (or POSTs form to) a page URL without following redirects.
func (e *env) page(method, u string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, u, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := noRedirect.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func wantCode(t *testing.T, m map[string]any, code string) {
	t.Helper()
	if got := m["respcd"]; got != code {
		t.Fatalf("respcd = %v, want %s (resperr %v)", got, code, m["resperr"])
	}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
