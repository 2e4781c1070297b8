package api_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/api"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/internal/testrig"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

const token = "0123456789abcdef0123456789abcdef0123456789abcdef"

// days reads "today" or 2006-01-02 in UTC: the CLI's parser stands
// behind this interface in qfpos.
type days struct{}

func (days) Day(s string) (time.Time, error) {
	if s == "today" {
		return time.Now().UTC().Truncate(24 * time.Hour), nil
	}
	return time.Parse("2006-01-02", s)
}

func (d days) Bounds(from, to string) (time.Time, time.Time, error) {
	f, err := d.Day(from)
	if err != nil {
		return f, f, err
	}
	if to == "" {
		return f, f.Add(24 * time.Hour), nil
	}
	t, err := d.Day(to)
	return f, t.Add(24 * time.Hour), err
}

type harness struct {
	t   testing.TB
	rig *testrig.Rig
	api *api.Server
	web *httptest.Server
	c   *api.Client
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	rig := testrig.New(t, testrig.Options{})
	s := api.New(api.Config{Engine: rig.Engine, Token: token, Ranges: days{}, Mode: "sandbox", Recheck: 20 * time.Millisecond, Rate: 1000, Burst: 1000})
	web := httptest.NewServer(s)
	t.Cleanup(web.Close)
	t.Cleanup(s.Close) // first: ends the streams and the sale
	return &harness{t: t, rig: rig, api: s, web: web, c: &api.Client{Base: web.URL, Token: token, HTTP: web.Client()}}
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func (h *harness) sale(amount, key string) (*api.Sale, error) {
	var s api.Sale
	var hd http.Header
	if key != "" {
		hd = hdr("Idempotency-Key", key)
	}
	err := h.c.JSON(context.Background(), "POST", "/v1/sales", api.SaleRequest{Amount: amount, GoodsName: "tea"}, &s, hd)
	return &s, err
}

// stream follows a sale's events from after last, sending them on a channel.
func (h *harness) stream(id string, last string) <-chan api.Event {
	h.t.Helper()
	var hd http.Header
	if last != "" {
		hd = hdr("Last-Event-ID", last)
	}
	resp, err := h.c.Do(context.Background(), "GET", "/v1/sales/"+id+"/events", nil, hd)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		h.t.Fatalf("events: Content-Type %q", ct)
	}
	ch := make(chan api.Event, 64)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		api.ReadEvents(resp.Body, func(e api.Event) bool { ch <- e; return true })
	}()
	return ch
}

func next(t testing.TB, ch <-chan api.Event, name string) api.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %q", name)
			}
			if e.Name == name {
				return e
			}
		case <-timeout:
			t.Fatalf("no %q event", name)
		}
	}
}

func TestSaleThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var health map[string]any
	if err := h.c.JSON(ctx, "GET", "/v1/health", nil, &health, nil); err != nil || health["status"] != "ok" {
		t.Fatalf("health: %v %v", health, err)
	}
	s, err := h.sale("12.50", "k1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Txamt != 1250 || s.Amount != "12.50" || s.Currency != "HKD" {
		t.Fatalf("sale %+v", s)
	}
	ev := h.stream(s.ID, "")
	qr := next(t, ev, "qr")
	var q struct {
		QRCode     string    `json:"qrcode"`
		ExpiresAt  time.Time `json:"expires_at"`
		OutTradeNo string    `json:"out_trade_no"`
	}
	json.Unmarshal(qr.Data, &q)
	if q.QRCode == "" || q.ExpiresAt.IsZero() || q.OutTradeNo != s.ID {
		t.Fatalf("qr event %s", qr.Data)
	}
	if err := h.rig.Sandbox.Pay(q.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	next(t, ev, "paid")
	if _, ok := <-ev; ok {
		// drain: the stream ends after the final event
		for range ev {
		}
	}
	var got api.Sale
	if err := h.c.JSON(ctx, "GET", "/v1/sales/"+s.ID, nil, &got, nil); err != nil || got.State != "paid" || !got.Final || got.SysSN == "" {
		t.Fatalf("GET sale: %+v %v", got, err)
	}

	// A refund, then the same key again: one refund.
	var r1, r2 api.Refund
	if err := h.c.JSON(ctx, "POST", "/v1/orders/"+s.ID+"/refunds", api.RefundRequest{Amount: "2.50"}, &r1, hdr("Idempotency-Key", "r1")); err != nil {
		t.Fatal(err)
	}
	if err := h.c.JSON(ctx, "POST", "/v1/orders/"+s.ID+"/refunds", api.RefundRequest{Amount: "2.50"}, &r2, hdr("Idempotency-Key", "r1")); err != nil {
		t.Fatal(err)
	}
	if r1.State != string(store.RefundDone) || r1.OutTradeNo != r2.OutTradeNo || r1.Txamt != 250 {
		t.Fatalf("refunds %+v %+v", r1, r2)
	}
	if v, _ := h.rig.Sandbox.Order(s.ID); v.Refunded != 250 {
		t.Fatalf("sandbox refunded %d, want 250 (once)", v.Refunded)
	}
	err = h.c.JSON(ctx, "POST", "/v1/orders/"+s.ID+"/refunds", api.RefundRequest{Amount: "20.00"}, nil, hdr("Idempotency-Key", "r2"))
	if e := (*api.APIError)(nil); !errors.As(err, &e) || e.Status != 400 || e.Error_.Field != "amount" {
		t.Fatalf("refund too much: %v", err)
	}

	// Orders, one order, report, export.
	var orders []store.Order
	if err := h.c.JSON(ctx, "GET", "/v1/orders?state=paid", nil, &orders, nil); err != nil || len(orders) != 1 || orders[0].OutTradeNo != s.ID {
		t.Fatalf("orders: %+v %v", orders, err)
	}
	var o store.Order
	if err := h.c.JSON(ctx, "GET", "/v1/orders/"+s.ID, nil, &o, nil); err != nil || o.State != store.StatePaid {
		t.Fatalf("order: %+v %v", o, err)
	}
	var rep api.Report
	if err := h.c.JSON(ctx, "GET", "/v1/report", nil, &rep, nil); err != nil || len(rep.Totals) == 0 {
		t.Fatalf("report: %+v %v", rep, err)
	}
	resp, err := h.c.Do(ctx, "GET", "/v1/export.csv", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(csv), s.ID) {
		t.Fatalf("export: %s", csv)
	}
	var rec api.Reconciliation
	if err := h.c.JSON(ctx, "POST", "/v1/reconcile", nil, &rec, nil); err != nil || rec.StillOpen != 0 || len(rec.Mismatches) != 0 {
		t.Fatalf("reconcile: %+v %v", rec, err)
	}

	// Resumed: after the qr event, the stream gives what followed only.
	ev2 := h.stream(s.ID, "1")
	var names []string
	for e := range ev2 {
		if e.ID <= 1 {
			t.Errorf("resumed after 1, got event %d", e.ID)
		}
		names = append(names, e.Name)
	}
	if len(names) == 0 || names[len(names)-1] != "paid" || names[0] == "qr" {
		t.Fatalf("resumed stream: %v", names)
	}
}

func TestSameKeySameSale(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	ids := make([]string, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := h.sale("3.00", "same-purchase")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = s.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids %v: want one sale", ids)
		}
	}
	next(t, h.stream(ids[0], ""), "qr")
	if n := len(h.rig.Sandbox.Orders()); n != 1 {
		t.Fatalf("%d orders at the sandbox, want 1", n)
	}
	// The same key with another amount is refused.
	_, err := h.sale("4.00", "same-purchase")
	if e := (*api.APIError)(nil); !errors.As(err, &e) || e.Status != 422 {
		t.Fatalf("key reused: %v", err)
	}
}

func TestSecondSaleIsBusy(t *testing.T) {
	h := newHarness(t)
	s, err := h.sale("3.00", "a")
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.sale("5.00", "b")
	if e := (*api.APIError)(nil); !errors.As(err, &e) || e.Status != 409 || e.Error_.SaleID != s.ID {
		t.Fatalf("second sale: %v", err)
	}
	// Cancelled, the till is free again.
	var c api.Sale
	if err := h.c.JSON(context.Background(), "POST", "/v1/sales/"+s.ID+"/cancel", nil, &c, nil); err != nil || c.State != "cancelled" || !c.Final {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if _, err := h.sale("5.00", "b"); err != nil {
		t.Fatalf("after the cancel: %v", err)
	}
}

// TestCancelRacingAPayment: the customer pays as the cashier cancels;
// the answer to cancel is the truth at QFPay, paid or cancelled.
func TestCancelRacingAPayment(t *testing.T) {
	for i := 0; i < 3; i++ {
		h := newHarness(t)
		s, err := h.sale("8.00", "")
		if err != nil {
			t.Fatal(err)
		}
		next(t, h.stream(s.ID, ""), "qr")
		go h.rig.Sandbox.Pay(s.ID)
		var c api.Sale
		if err := h.c.JSON(context.Background(), "POST", "/v1/sales/"+s.ID+"/cancel", nil, &c, nil); err != nil {
			t.Fatal(err)
		}
		v, _ := h.rig.Sandbox.Order(s.ID)
		paidThere := v.State == "paid" || v.RespCd == "0000" && v.Cancel == 0
		if (c.State == "paid") != paidThere || c.State != "paid" && c.State != "cancelled" {
			t.Fatalf("cancel answered %s; the sandbox has %+v", c.State, v)
		}
	}
}

func TestBadTokenIs401(t *testing.T) {
	h := newHarness(t)
	for _, auth := range []string{"", "Bearer nope", "Basic " + token, "Bearer " + token + "x"} {
		req, _ := http.NewRequest("POST", h.web.URL+"/v1/sales", strings.NewReader(`{"amount":"1.00"}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e api.Error
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 401 || e.Error != "unauthorized" {
			t.Errorf("auth %q: %d %+v", auth, resp.StatusCode, e)
		}
	}
	if n := len(h.rig.Sandbox.Orders()); n != 0 {
		t.Fatalf("%d orders sent", n)
	}
}

func TestBadInputIs400(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ body, key, field string }{
		{`{"amount":"-1"}`, "", "amount"},
		{`{"amount":"12.345"}`, "", "amount"},
		{`{"amount":"abc"}`, "", "amount"},
		{`{"amount":""}`, "", "amount"},
		{`{"amount":12.5}`, "", "amount"},
		{`{}`, "", "amount"},
		{`{"amount":"1.00","goods_name":"` + strings.Repeat("x", 65) + `"}`, "", "goods_name"},
		{`{"amount":"1.00","timeout":"soon"}`, "", "timeout"},
		{`{"amount":"1.00","timeout":-5}`, "", "timeout"},
		{`{"amount":"1.00","tip":"1"}`, "", "tip"},
		{`{"amount":"1.00"`, "", "body"},
		{`{"amount":"1.00"}`, "bad key", "Idempotency-Key"},
		{`{"amount":"` + strings.Repeat("9", 20000) + `"}`, "", "body"},
	} {
		req, _ := http.NewRequest("POST", h.web.URL+"/v1/sales", strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+token)
		if c.key != "" {
			req.Header.Set("Idempotency-Key", c.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e api.Error
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 400 || e.Field != c.field || e.Message == "" {
			t.Errorf("%.60s: %d %+v, want 400 naming %s", c.body, resp.StatusCode, e, c.field)
		}
	}
	for _, q := range []struct{ path, field string }{
		{"/v1/orders?from=someday", "from"},
		{"/v1/orders?state=happy", "state"},
		{"/v1/orders?limit=-1", "limit"},
		{"/v1/report?day=nope", "day"},
	} {
		err := h.c.JSON(context.Background(), "GET", q.path, nil, nil, nil)
		if e := (*api.APIError)(nil); !errors.As(err, &e) || e.Status != 400 || e.Error_.Field != q.field {
			t.Errorf("%s: %v, want 400 naming %s", q.path, err, q.field)
		}
	}
	n, _ := h.rig.Store.Count()
	if n != 0 || len(h.rig.Sandbox.Orders()) != 0 {
		t.Fatalf("bad input stored %d orders, sent %d", n, len(h.rig.Sandbox.Orders()))
	}
}

// TestLANListenerIsTLS: the LAN listener speaks TLS only, with the
// certificate whose fingerprint qfpos prints, and wants the token.
func TestLANListenerIsTLS(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.Path = filepath.Join(dir, "config.toml")
	cfg.DB = filepath.Join(dir, "orders.db")
	cfg.APIListen = "off"
	cfg.APILANListen = "127.0.0.1:0"
	l, err := api.Listen(cfg, h.api)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !strings.HasPrefix(l.LAN, "https://127.0.0.1:") || len(l.Fingerprint) != 95 {
		t.Fatalf("LAN %q fingerprint %q", l.LAN, l.Fingerprint)
	}
	// Pinned by fingerprint, as a kiosk would.
	pinned := &tls.Config{InsecureSkipVerify: true, VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
		if api.Fingerprint(raw[0]) != l.Fingerprint {
			return errors.New("fingerprint mismatch")
		}
		return nil
	}}
	c := &api.Client{Base: l.LAN, Token: token, HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: pinned}}}
	var health map[string]any
	if err := c.JSON(context.Background(), "GET", "/v1/health", nil, &health, nil); err != nil || health["status"] != "ok" {
		t.Fatalf("over TLS: %v %v", health, err)
	}
	c.Token = "wrong-token-wrong-token-wrong-token"
	err = c.JSON(context.Background(), "GET", "/v1/health", nil, nil, nil)
	if e := (*api.APIError)(nil); !errors.As(err, &e) || e.Status != 401 {
		t.Fatalf("bad token over TLS: %v", err)
	}
	// Plain HTTP gets no answer.
	resp, err := http.Get("http://" + strings.TrimPrefix(l.LAN, "https://") + "/v1/health")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain HTTP on the LAN listener: %d", resp.StatusCode)
		}
	}
	// The certificate is made once and kept.
	l.Close()
	l2, err := api.Listen(cfg, h.api)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.Fingerprint != l.Fingerprint {
		t.Fatal("a new certificate at the second start")
	}
}

func TestTokenFileIsPrivate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "api-token")
	tok, err := api.LoadToken(p)
	if err != nil || len(tok) != 64 {
		t.Fatalf("token %q %v", tok, err)
	}
	if again, _ := api.LoadToken(p); again != tok {
		t.Fatal("token changed")
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ReadToken(p); err == nil {
		t.Fatal("a token others can read was taken")
	}
}

// TestUnknownThenResolved: a sale QFPay could not confirm ends unknown on
// the stream, and once QFPay answers again the stream says resolved with
// what it really was.
func TestUnknownThenResolved(t *testing.T) {
	h := newHarness(t)
	var s api.Sale
	err := h.c.JSON(context.Background(), "POST", "/v1/sales", api.SaleRequest{Amount: "6.00", Timeout: json.RawMessage(`0.3`)}, &s, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := h.stream(s.ID, "")
	next(t, ev, "qr")
	h.rig.Sandbox.SetFaults(sandbox.Faults{
		Close: []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true, Times: 1000}},
		Query: []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 1000}},
	})
	next(t, ev, "unknown")
	h.rig.Sandbox.SetFaults(sandbox.Faults{})
	e := next(t, ev, "resolved")
	var d struct{ State string }
	json.Unmarshal(e.Data, &d)
	if d.State != "expired" { // the customer's time ran out: closed at QFPay
		t.Fatalf("resolved %s, want expired", e.Data)
	}
	var got api.Sale
	if err := h.c.JSON(context.Background(), "GET", "/v1/sales/"+s.ID, nil, &got, nil); err != nil || got.State != d.State {
		t.Fatalf("GET after resolved: %+v %v", got, err)
	}
}

// TestRateLimited: past the burst, 429 with Retry-After; requests without
// the token have a bucket of their own, so a stranger's flood leaves the
// till that holds the token its budget.
func TestRateLimited(t *testing.T) {
	rig := testrig.New(t, testrig.Options{})
	s := api.New(api.Config{Engine: rig.Engine, Token: token, Ranges: days{}, Rate: 0.001, Burst: 2})
	defer s.Close()
	web := httptest.NewServer(s)
	defer web.Close()
	get := func(auth string) int {
		req, _ := http.NewRequest("GET", web.URL+"/v1/health", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		return resp.StatusCode
	}
	var strangers []int
	for range 20 {
		strangers = append(strangers, get(""))
	}
	if strangers[0] != 401 || strangers[19] != 429 {
		t.Fatalf("without the token: %v, want 401 then 429", strangers)
	}
	var till []int
	for range 4 {
		till = append(till, get(token))
	}
	if till[0] != 200 || till[1] != 200 || till[2] != 429 || till[3] != 429 {
		t.Fatalf("with the token, after the strangers' flood: %v, want 200 200 429 429", till)
	}
}
