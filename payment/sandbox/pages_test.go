package sandbox

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		amount   int64
		currency string
		want     string
	}{
		{1234, "HKD", "HK$12.34"},
		{5, "HKD", "HK$0.05"},
		{100, "USD", "$1.00"},
		{123456789, "HKD", "HK$1,234,567.89"},
		{1500, "JPY", "¥1,500"},
		{999, "JPY", "¥999"},
		{100000, "IDR", "IDR 100,000"},
		{99999999999, "CNY", "CN¥999,999,999.99"},
		{1250, "SGD", "SGD 12.50"},
		{1250, "XYZ", "1250 XYZ (minor units)"},
	}
	for _, tt := range tests {
		if got := formatAmount(tt.amount, tt.currency); got != tt.want {
			t.Errorf("formatAmount(%d, %s) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

func TestPayerPage(t *testing.T) {
	e := newEnv(t, Config{MerchantName: "Kowloon Coffee"})
	qr := str(e.create("P1", 1234), "qrcode")

	resp, body := e.page("GET", qr, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, w := range []string{"Kowloon Coffee", "HK$12.34", "Flat white", "Waiting for payment", `name="viewport"`, `value="pay"`, `value="decline"`, "SANDBOX", "2026-03-14 10:30:00"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q\n%s", w, body)
		}
	}

	resp, body = e.page("POST", qr, url.Values{"action": {"pay"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Paid") || strings.Contains(body, `value="pay"`) {
		t.Errorf("POST pay: HTTP %d\n%s", resp.StatusCode, body)
	}
	if r := e.record("P1"); r["respcd"] != "0000" {
		t.Errorf("record after pay %v", r)
	}
	resp, body = e.page("POST", qr, url.Values{"action": {"decline"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "no longer") {
		t.Errorf("decline after pay: HTTP %d\n%s", resp.StatusCode, body)
	}

	// Refunds show.
	wantCode(t, e.refund(str(e.record("P1"), "syssn"), "P1-R", 234), "0000")
	if _, body = e.page("GET", qr, nil); !strings.Contains(body, "Refunded: HK$2.34") {
		t.Errorf("refund not shown\n%s", body)
	}

	tests := []struct {
		name   string
		setup  func(out string)
		action string // "" = GET
		status int
		words  []string
		state  State
	}{
		{"decline", func(string) {}, "decline", 200, []string{"Declined"}, StateDeclined},
		{"bad action", func(string) {}, "steal", 400, []string{"action"}, StatePending},
		{"expired shows it", func(string) { e.clock.Advance(31 * time.Minute) }, "", 200, []string{"Expired"}, StateExpired},
		{"expired cannot be paid", func(string) { e.clock.Advance(31 * time.Minute) }, "pay", 409, []string{"expired"}, StateExpired},
		{"closed cannot be paid", func(out string) { wantCode(t, e.cancel("/trade/v1/close", out, 1234), "0000") }, "pay", 409, []string{"Cancelled"}, StateClosed},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := "PT" + string(rune('A'+i))
			qr := str(e.create(out, 1234), "qrcode")
			tt.setup(out)
			var resp *http.Response
			var body string
			if tt.action == "" {
				resp, body = e.page("GET", qr, nil)
			} else {
				resp, body = e.page("POST", qr, url.Values{"action": {tt.action}})
			}
			if resp.StatusCode != tt.status {
				t.Errorf("HTTP %d, want %d", resp.StatusCode, tt.status)
			}
			for _, w := range tt.words {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q\n%s", w, body)
				}
			}
			if tt.state != StatePending && strings.Contains(body, `value="pay"`) {
				t.Errorf("a %s order offers Pay", tt.state)
			}
			if o, _ := e.s.Order(out); o.State != tt.state {
				t.Errorf("state %s, want %s", o.State, tt.state)
			}
		})
	}

	resp, body = e.page("GET", e.url+"/sandbox/pay/NOPE", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "NOPE") || !strings.Contains(body, "in memory only") {
		t.Errorf("unknown order: HTTP %d\n%s", resp.StatusCode, body)
	}
	// A sandbox that keeps its orders in a file does not blame a restart.
	e2 := newEnv(t, Config{StatePath: filepath.Join(t.TempDir(), "sandbox.json")})
	resp, body = e2.page("GET", e2.url+"/sandbox/pay/NOPE", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "NOPE") || strings.Contains(body, "in memory") {
		t.Errorf("unknown order with StatePath: HTTP %d\n%s", resp.StatusCode, body)
	}
	resp, _ = e.page("GET", e.url+"/sandbox/pay/P1-R", nil)
	if resp.StatusCode != 404 {
		t.Errorf("refund record has a payer page: HTTP %d", resp.StatusCode)
	}
}

func TestPayerPageEscapes(t *testing.T) {
	e := newEnv(t, Config{MerchantName: "<b>Shop</b>"})
	p := e.payParams("X", 1000)
	p["goods_name"] = `<script>alert("x")</script>`
	m := e.call(req{path: "/trade/v1/payment", body: p})
	_, body := e.page("GET", str(m, "qrcode"), nil)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>Shop") {
		t.Errorf("page does not escape\n%s", body)
	}
}

func TestIndexPage(t *testing.T) {
	e := newEnv(t, Config{})
	resp, _ := e.page("GET", e.url+"/", nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/sandbox/" {
		t.Errorf("/: HTTP %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := e.page("GET", e.url+"/sandbox/", nil); !strings.Contains(body, "No orders yet") {
		t.Errorf("empty index\n%s", body)
	}
	e.create("I1", 100)
	e.clock.Advance(time.Second)
	e.create("I2", 250)
	_, body := e.page("GET", e.url+"/sandbox/", nil)
	i1, i2 := strings.Index(body, `href="/sandbox/pay/I1"`), strings.Index(body, `href="/sandbox/pay/I2"`)
	if i1 < 0 || i2 < 0 || i2 > i1 || !strings.Contains(body, "HK$2.50") {
		t.Errorf("index (newest first, linked)\n%s", body)
	}
}
