package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, Config{})
	n := 0
	next := func() string { n++; return fmt.Sprintf("AUTH%d", n) }
	// signString signs a hand-made signing string, to model client bugs.
	signString := func(s string, st payment.SignType) string { return payment.Digest(s+e.key, st) }
	tests := []struct {
		name string
		mod  func(p map[string]string, r *req)
		want string
	}{
		{"md5", func(p map[string]string, r *req) {}, "0000"},
		{"sha256", func(p map[string]string, r *req) { r.signType = payment.SignSHA256 }, "0000"},
		{"sha256 header lower case", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGNTYPE": "sha256", "X-QF-SIGN": payment.Sign(p, e.key, payment.SignSHA256)}
		}, "0000"},
		{"md5 lower-case hex", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGN": strings.ToLower(payment.Sign(p, e.key, payment.SignMD5))}
		}, "0000"},
		{"params in the query string too", func(p map[string]string, r *req) {
			r.query = map[string]string{"udid": "till-1"}
		}, "0000"},
		{"no app code", func(p map[string]string, r *req) { r.header = map[string]string{"X-QF-APPCODE": ""} }, "1108"},
		{"wrong app code", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-APPCODE": strings.Repeat("0", 32)}
		}, "1108"},
		{"no signature", func(p map[string]string, r *req) { r.header = map[string]string{"X-QF-SIGN": ""} }, "1108"},
		{"md5 with another key", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGN": payment.Sign(p, "WRONGKEY", payment.SignMD5)}
		}, "1108"},
		{"sha256 with another key", func(p map[string]string, r *req) {
			r.signType = payment.SignSHA256
			r.header = map[string]string{"X-QF-SIGN": payment.Sign(p, "WRONGKEY", payment.SignSHA256)}
		}, "1108"},
		{"sha256 signature without the header", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGN": payment.Sign(p, e.key, payment.SignSHA256)}
		}, "1108"},
		{"md5 signature with the sha256 header", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGNTYPE": "SHA256", "X-QF-SIGN": payment.Sign(p, e.key, payment.SignMD5)}
		}, "1108"},
		{"unknown sign type", func(p map[string]string, r *req) { r.header = map[string]string{"X-QF-SIGNTYPE": "RSA"} }, "1108"},
		// QFPay's own samples sign every key they send, empty ones too:
		// the signature covers exactly the parameters received.
		{"empty parameter sent and signed", func(p map[string]string, r *req) {
			r.body["udid"] = ""
			r.header = map[string]string{"X-QF-SIGN": signString(payment.SigningString(p)+"&udid=", payment.SignMD5)}
		}, "0000"},
		{"empty parameter sent but not signed", func(p map[string]string, r *req) {
			r.body["udid"] = ""
			r.header = map[string]string{"X-QF-SIGN": payment.Sign(p, e.key, payment.SignMD5)}
		}, "1108"},
		{"empty parameter signed but not sent", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGN": signString(payment.SigningString(p)+"&udid=", payment.SignMD5)}
		}, "1108"},
		{"url-encoded values signed", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGN": signString(strings.ReplaceAll(payment.SigningString(p), " ", "+"), payment.SignMD5)}
		}, "1108"},
		{"parameter changed after signing", func(p map[string]string, r *req) {
			r.header = map[string]string{"X-QF-SIGN": payment.Sign(p, e.key, payment.SignMD5)}
			r.body["txamt"] = "1"
		}, "1108"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.payParams(next(), 1000)
			r := req{path: "/trade/v1/payment", body: p}
			tt.mod(p, &r)
			m := e.call(r)
			wantCode(t, m, tt.want)
			_, created := e.s.Order(p["out_trade_no"])
			if created != (tt.want == "0000") {
				t.Errorf("order created = %v, want %v", created, tt.want == "0000")
			}
		})
	}
	t.Run("query and close are checked too", func(t *testing.T) {
		for _, path := range []string{"/trade/v1/query", "/trade/v1/close", "/trade/v1/reversal", "/trade/v1/refund"} {
			m := e.call(req{path: path, body: map[string]string{"out_trade_no": "AUTH1"}, header: map[string]string{"X-QF-SIGN": "00"}})
			wantCode(t, m, "1108")
		}
	})
}

func TestPaymentValidation(t *testing.T) {
	e := newEnv(t, Config{})
	n := 0
	tests := []struct {
		name    string
		mod     func(p map[string]string)
		want    string
		errWord string // in resperr
	}{
		{"valid", func(p map[string]string) {}, "0000", ""},
		{"pay_type missing", func(p map[string]string) { delete(p, "pay_type") }, "1104", "pay_type"},
		{"pay_type other wallet", func(p map[string]string) { p["pay_type"] = "800101" }, "1104", "pay_type"},
		{"txamt missing", func(p map[string]string) { delete(p, "txamt") }, "1104", "txamt"},
		{"txamt zero", func(p map[string]string) { p["txamt"] = "0" }, "1104", "txamt"},
		{"txamt negative", func(p map[string]string) { p["txamt"] = "-5" }, "1104", "txamt"},
		{"txamt decimal", func(p map[string]string) { p["txamt"] = "12.50" }, "1104", "txamt"},
		{"txamt leading zero", func(p map[string]string) { p["txamt"] = "0100" }, "1104", "txamt"},
		{"txamt 12 digits", func(p map[string]string) { p["txamt"] = "100000000000" }, "1104", "txamt"},
		{"txamt 11 digits", func(p map[string]string) { p["txamt"] = "99999999999" }, "0000", ""},
		{"txcurrcd missing", func(p map[string]string) { delete(p, "txcurrcd") }, "1104", "txcurrcd"},
		{"txcurrcd lower case", func(p map[string]string) { p["txcurrcd"] = "hkd" }, "1104", "txcurrcd"},
		{"txcurrcd unsupported", func(p map[string]string) { p["txcurrcd"] = "GBP" }, "1104", "txcurrcd"},
		{"txcurrcd JPY", func(p map[string]string) { p["txcurrcd"] = "JPY" }, "0000", ""},
		{"out_trade_no missing", func(p map[string]string) { delete(p, "out_trade_no") }, "1104", "out_trade_no"},
		{"out_trade_no space", func(p map[string]string) { p["out_trade_no"] = "A B" }, "1104", "out_trade_no"},
		{"out_trade_no non-ASCII", func(p map[string]string) { p["out_trade_no"] = "Ä1" }, "1104", "out_trade_no"},
		{"out_trade_no 129 chars", func(p map[string]string) { p["out_trade_no"] = strings.Repeat("a", 129) }, "1104", "out_trade_no"},
		{"out_trade_no 128 chars", func(p map[string]string) { p["out_trade_no"] = strings.Repeat("b", 128) }, "0000", ""},
		{"out_trade_no every allowed sign", func(p map[string]string) { p["out_trade_no"] = "Az09_|*-x" }, "0000", ""},
		{"txdtm missing", func(p map[string]string) { delete(p, "txdtm") }, "1104", "txdtm"},
		{"txdtm single digits", func(p map[string]string) { p["txdtm"] = "2026-3-14 10:00:00" }, "1104", "txdtm"},
		{"txdtm single-digit hour", func(p map[string]string) { p["txdtm"] = "2026-03-14 9:00:00" }, "1104", "txdtm"},
		{"txdtm ISO", func(p map[string]string) { p["txdtm"] = "2026-03-14T10:00:00" }, "1104", "txdtm"},
		{"txdtm with zone", func(p map[string]string) { p["txdtm"] = "2026-03-14 10:00:00 +0800" }, "1104", "txdtm"},
		{"txdtm no seconds", func(p map[string]string) { p["txdtm"] = "2026-03-14 10:00" }, "1104", "txdtm"},
		{"txdtm impossible date", func(p map[string]string) { p["txdtm"] = "2026-02-30 10:00:00" }, "1104", "txdtm"},
		{"expired_time 4", func(p map[string]string) { p["expired_time"] = "4" }, "1104", "expired_time"},
		{"expired_time 121", func(p map[string]string) { p["expired_time"] = "121" }, "1104", "expired_time"},
		{"expired_time text", func(p map[string]string) { p["expired_time"] = "ten" }, "1104", "expired_time"},
		{"expired_time decimal", func(p map[string]string) { p["expired_time"] = "5.5" }, "1104", "expired_time"},
		{"expired_time 5", func(p map[string]string) { p["expired_time"] = "5" }, "0000", ""},
		{"expired_time 120", func(p map[string]string) { p["expired_time"] = "120" }, "0000", ""},
		{"goods_name 65 characters", func(p map[string]string) { p["goods_name"] = strings.Repeat("咖", 65) }, "1104", "goods_name"},
		{"goods_name 64 characters", func(p map[string]string) { p["goods_name"] = strings.Repeat("咖", 64) }, "0000", ""},
		{"udid 41 characters", func(p map[string]string) { p["udid"] = strings.Repeat("u", 41) }, "1104", "udid"},
		{"800207 without sub_openid", func(p map[string]string) { p["pay_type"] = "800207" }, "1104", "sub_openid"},
		{"800207 with a made-up sub_openid", func(p map[string]string) {
			p["pay_type"], p["sub_openid"] = "800207", "oo3Lss8d0hLOuyTuSJMVwLTk68JE"
		}, "1104", "sub_openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n++
			p := e.payParams(fmt.Sprintf("V%d", n), 1000)
			tt.mod(p)
			before := len(e.s.Orders())
			m := e.call(req{path: "/trade/v1/payment", body: p})
			wantCode(t, m, tt.want)
			if !strings.Contains(str(m, "resperr"), tt.errWord) {
				t.Errorf("resperr %q does not name %q", m["resperr"], tt.errWord)
			}
			if added := len(e.s.Orders()) - before; added != map[bool]int{true: 1, false: 0}[tt.want == "0000"] {
				t.Errorf("%d orders added", added)
			}
		})
	}
}

func TestPaymentAnswer(t *testing.T) {
	e := newEnv(t, Config{})
	p := e.payParams("Q|1*x", 1234)
	p["udid"] = "till-1"
	resp, body, err := e.raw(req{path: "/trade/v1/payment", body: p})
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	sig := resp.Header.Get("X-QF-SIGN")
	if !payment.VerifyBody(body, sig, e.key) {
		t.Errorf("X-QF-SIGN %q does not verify", sig)
	}
	if payment.VerifyBody(body, sig, "ANOTHERKEY") {
		t.Errorf("X-QF-SIGN verifies with another key")
	}
	m := e.call(req{path: "/trade/v1/payment", body: e.payParams("Q2", 1234)})
	wantCode(t, m, "0000")
	for k, want := range map[string]string{
		"txamt": "1234", "txcurrcd": "HKD", "pay_type": "800201", "out_trade_no": "Q2",
		"txdtm": "2026-03-14 10:00:00", "sysdtm": "2026-03-14 10:00:00", "resperr": "success",
	} {
		if got := m[k]; got != want {
			t.Errorf("%s = %#v, want %q", k, got, want)
		}
	}
	if !regexp.MustCompile(`^20260314\d{18}$`).MatchString(str(m, "syssn")) {
		t.Errorf("syssn %q is not 26 digits starting with the date", m["syssn"])
	}
	if want := e.url + "/sandbox/pay/Q2"; m["qrcode"] != want {
		t.Errorf("qrcode = %v, want %s", m["qrcode"], want)
	}
	if _, ok := m["pay_params"]; ok {
		t.Errorf("800201 answer has pay_params")
	}

	// The escaped qrcode of an out_trade_no with | and * leads to its page.
	o, _ := e.s.Order("Q|1*x")
	r := e.record("Q|1*x")
	if str(r, "syssn") != o.SysSN || str(r, "udid") != "till-1" {
		t.Errorf("record %v, view %+v", r, o)
	}
	var first map[string]any
	if err := json.Unmarshal(body, &first); err != nil {
		t.Fatal(err)
	}
	qr := str(first, "qrcode")
	if !strings.HasSuffix(qr, "/sandbox/pay/Q%7C1%2Ax") {
		t.Errorf("qrcode %q is not URL-escaped", qr)
	}
	resp2, page := e.page("GET", qr, nil)
	if resp2.StatusCode != 200 || !strings.Contains(page, "HK$12.34") {
		t.Errorf("qrcode page: HTTP %d\n%s", resp2.StatusCode, page)
	}
}

func TestReuseOfOutTradeNo(t *testing.T) {
	e := newEnv(t, Config{})
	e.create("R1", 1000)
	wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("R1", 1000)}), "1102")
	wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("R1", 999)}), "1102")
	wantCode(t, e.cancel("/trade/v1/close", "R1", 1000), "0000")
	wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("R1", 1000)}), "1102")

	e.create("R2", 1000)
	if err := e.s.Pay("R2"); err != nil {
		t.Fatal(err)
	}
	r2 := e.record("R2")
	wantCode(t, e.refund(str(r2, "syssn"), "R1", 100), "1102") // a payment's number
	wantCode(t, e.refund(str(r2, "syssn"), "RF1", 100), "0000")
	wantCode(t, e.refund(str(r2, "syssn"), "RF1", 100), "1102") // a refund's number, again
	wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("RF1", 1000)}), "1102")
	if o, _ := e.s.Order("R2"); o.Refunded != 100 {
		t.Errorf("refunded %d, want 100", o.Refunded)
	}
}

func TestQueryStates(t *testing.T) {
	tests := []struct {
		name       string
		expiry     string // expired_time; "" = default
		act        func(t *testing.T, e *env)
		wantCode   string
		wantCancel string
		wantState  State
		paid       bool
	}{
		{"unpaid", "", func(t *testing.T, e *env) {}, "1143", "0", StatePending, false},
		{"paid", "", func(t *testing.T, e *env) { must(t, e.s.Pay("S")) }, "0000", "0", StatePaid, true},
		{"declined", "", func(t *testing.T, e *env) { must(t, e.s.Decline("S")) }, "1205", "0", StateDeclined, false},
		{"closed", "", func(t *testing.T, e *env) { wantCode(t, e.cancel("/trade/v1/close", "S", 1000), "0000") }, "1142", "2", StateClosed, false},
		{"reversed", "", func(t *testing.T, e *env) { wantCode(t, e.cancel("/trade/v1/reversal", "S", 1000), "0000") }, "1142", "2", StateClosed, false},
		{"29m59s of the default 30", "", func(t *testing.T, e *env) { e.clock.Advance(30*time.Minute - time.Second) }, "1143", "0", StatePending, false},
		{"expired after the default 30 minutes", "", func(t *testing.T, e *env) { e.clock.Advance(30 * time.Minute) }, "1181", "0", StateExpired, false},
		{"4m59s of 5", "5", func(t *testing.T, e *env) { e.clock.Advance(5*time.Minute - time.Second) }, "1143", "0", StatePending, false},
		{"expired after 5 minutes", "5", func(t *testing.T, e *env) { e.clock.Advance(5 * time.Minute) }, "1181", "0", StateExpired, false},
		{"closed after expiry", "5", func(t *testing.T, e *env) {
			e.clock.Advance(6 * time.Minute)
			wantCode(t, e.cancel("/trade/v1/close", "S", 1000), "0000")
		}, "1181", "2", StateExpired, false},
		{"pay after 10s, at 9s", "", func(t *testing.T, e *env) {
			must(t, e.s.PayAfter("S", 10*time.Second))
			e.clock.Advance(9 * time.Second)
		}, "1143", "0", StatePending, false},
		{"pay after 10s, at 10s", "", func(t *testing.T, e *env) {
			must(t, e.s.PayAfter("S", 10*time.Second))
			e.clock.Advance(10 * time.Second)
		}, "0000", "0", StatePaid, true},
		{"pay after 40m expires first", "", func(t *testing.T, e *env) {
			must(t, e.s.PayAfter("S", 40*time.Minute))
			e.clock.Advance(41 * time.Minute)
		}, "1181", "0", StateExpired, false},
		{"pay after, closed first", "", func(t *testing.T, e *env) {
			must(t, e.s.PayAfter("S", 10*time.Second))
			wantCode(t, e.cancel("/trade/v1/close", "S", 1000), "0000")
			e.clock.Advance(time.Minute)
		}, "1142", "2", StateClosed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			p := e.payParams("S", 1000)
			if tt.expiry != "" {
				p["expired_time"] = tt.expiry
			}
			wantCode(t, e.call(req{path: "/trade/v1/payment", body: p}), "0000")
			tt.act(t, e)
			r := e.record("S")
			if r["respcd"] != tt.wantCode || r["cancel"] != tt.wantCancel {
				t.Errorf("respcd %v cancel %v, want %s %s (%v)", r["respcd"], r["cancel"], tt.wantCode, tt.wantCancel, r)
			}
			if (str(r, "paydtm") != "") != tt.paid {
				t.Errorf("paydtm %q, paid %v", r["paydtm"], tt.paid)
			}
			if r["order_type"] != "payment" || r["txamt"] != "1000" || r["pay_type"] != "800201" {
				t.Errorf("record %v", r)
			}
			if tt.wantCode == "1143" && r["errmsg"] != errmsgNotPaid {
				t.Errorf("errmsg %v", r["errmsg"])
			}
			if o, _ := e.s.Order("S"); o.State != tt.wantState || o.RespCd != tt.wantCode {
				t.Errorf("Order: state %s respcd %s, want %s %s", o.State, o.RespCd, tt.wantState, tt.wantCode)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCloseAndReversal(t *testing.T) {
	e := newEnv(t, Config{})
	e.create("C1", 1000)
	first := e.cancel("/trade/v1/close", "C1", 1000)
	wantCode(t, first, "0000")
	o, _ := e.s.Order("C1")
	if first["orig_syssn"] != o.SysSN || str(first, "syssn") == "" || first["syssn"] == o.SysSN || first["txamt"] != "1000" || first["txcurrcd"] != "HKD" {
		t.Errorf("close answer %v", first)
	}
	again := e.cancel("/trade/v1/close", "C1", 1000)
	wantCode(t, again, "0000")
	if again["syssn"] != first["syssn"] {
		t.Errorf("second close syssn %v, first %v", again["syssn"], first["syssn"])
	}
	if err := e.s.Pay("C1"); err == nil {
		t.Errorf("Pay of a closed order succeeded")
	}

	e.create("C2", 1000)
	must(t, e.s.Pay("C2"))
	c2 := e.record("C2")

	e.create("C3", 1000)
	e.create("C4", 1000)
	must(t, e.s.Decline("C4"))

	tests := []struct {
		name string
		r    req
		want string
	}{
		{"close paid", req{path: "/trade/v1/close", body: map[string]string{"out_trade_no": "C2", "txamt": "1000", "txdtm": e.txdtm()}}, "1297"},
		{"reversal paid", req{path: "/trade/v1/reversal", body: map[string]string{"out_trade_no": "C2", "txamt": "1000", "txdtm": e.txdtm()}}, "1260"},
		{"unknown out_trade_no", req{path: "/trade/v1/close", body: map[string]string{"out_trade_no": "NOPE", "txamt": "1000", "txdtm": e.txdtm()}}, "1136"},
		{"unknown syssn", req{path: "/trade/v1/close", body: map[string]string{"syssn": "20260314000300020000000000", "txamt": "1000", "txdtm": e.txdtm()}}, "1136"},
		{"no id", req{path: "/trade/v1/close", body: map[string]string{"txamt": "1000", "txdtm": e.txdtm()}}, "1104"},
		{"no txamt", req{path: "/trade/v1/close", body: map[string]string{"out_trade_no": "C3", "txdtm": e.txdtm()}}, "1104"},
		{"no txdtm", req{path: "/trade/v1/close", body: map[string]string{"out_trade_no": "C3", "txamt": "1000"}}, "1104"},
		{"wrong txamt", req{path: "/trade/v1/close", body: map[string]string{"out_trade_no": "C3", "txamt": "999", "txdtm": e.txdtm()}}, "1266"},
		{"ids of two orders", req{path: "/trade/v1/close", body: map[string]string{"out_trade_no": "C3", "syssn": str(c2, "syssn"), "txamt": "1000", "txdtm": e.txdtm()}}, "1267"},
		{"reversal by GET query", req{method: "GET", path: "/trade/v1/reversal", body: map[string]string{"out_trade_no": "C3", "txamt": "1000", "txdtm": e.txdtm()}}, "0000"},
		{"close declined", req{method: "GET", path: "/trade/v1/close", body: map[string]string{"out_trade_no": "C4", "txamt": "1000", "txdtm": e.txdtm()}}, "0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, e.call(tt.r), tt.want)
		})
	}
	if r := e.record("C2"); r["respcd"] != "0000" || r["cancel"] != "0" {
		t.Errorf("refused close changed the paid order: %v", r)
	}
	if r := e.record("C3"); r["respcd"] != "1142" || r["cancel"] != "2" {
		t.Errorf("reversal by GET: %v", r)
	}
	if r := e.record("C4"); r["respcd"] != "1205" || r["cancel"] != "2" {
		t.Errorf("closed declined order: %v", r)
	}

	// By syssn alone; and a refund record cannot be closed.
	e.create("C5", 500)
	c5 := e.record("C5")
	wantCode(t, e.call(req{path: "/trade/v1/close", body: map[string]string{"syssn": str(c5, "syssn"), "txamt": "500", "txdtm": e.txdtm()}}), "0000")
	wantCode(t, e.refund(str(c2, "syssn"), "C2R", 1000), "0000")
	wantCode(t, e.cancel("/trade/v1/close", "C2R", 1000), "1136")
}

func TestRefunds(t *testing.T) {
	e := newEnv(t, Config{})
	paid := func(out string) string {
		e.create(out, 1000)
		must(t, e.s.Pay(out))
		return str(e.record(out), "syssn")
	}

	t.Run("full", func(t *testing.T) {
		sn := paid("F")
		e.clock.Advance(time.Minute)
		m := e.refund(sn, "F-R", 1000)
		wantCode(t, m, "0000")
		if m["orig_syssn"] != sn || m["txamt"] != "1000" || str(m, "syssn") == sn || m["sysdtm"] != "2026-03-14 10:01:00" {
			t.Errorf("refund answer %v", m)
		}
		if r := e.record("F"); r["respcd"] != "0000" || r["cancel"] != "3" {
			t.Errorf("original after full refund: %v", r)
		}
		rf := e.record("F-R")
		if rf["order_type"] != "refund" || rf["origssn"] != sn || rf["respcd"] != "0000" || rf["txamt"] != "1000" || rf["syssn"] != m["syssn"] {
			t.Errorf("refund record %v", rf)
		}
		wantCode(t, e.refund(sn, "F-R2", 1), "1125")
	})
	t.Run("partial", func(t *testing.T) {
		sn := paid("P")
		wantCode(t, e.refund(sn, "P-R1", 300), "0000")
		if r := e.record("P"); r["cancel"] != "5" {
			t.Errorf("after 300 of 1000: cancel %v", r["cancel"])
		}
		wantCode(t, e.refund(sn, "P-R2", 701), "1272")
		wantCode(t, e.refund(sn, "P-R3", 700), "0000")
		if r := e.record("P"); r["cancel"] != "3" {
			t.Errorf("after 1000 of 1000: cancel %v", r["cancel"])
		}
		if o, _ := e.s.Order("P"); o.Refunded != 1000 {
			t.Errorf("refunded %d", o.Refunded)
		}
		if _, ok := e.s.Order("P-R2"); ok {
			t.Errorf("refused refund left a record")
		}
	})
	t.Run("over", func(t *testing.T) {
		sn := paid("O")
		wantCode(t, e.refund(sn, "O-R1", 1001), "1272")
		if r := e.record("O"); r["cancel"] != "0" {
			t.Errorf("over-refund changed cancel to %v", r["cancel"])
		}
	})

	e.create("U", 1000)
	u := e.record("U")
	e.create("X", 1000)
	wantCode(t, e.cancel("/trade/v1/close", "X", 1000), "0000")
	x := e.record("X")
	fr := e.record("F-R")
	tests := []struct {
		name  string
		syssn string
		out   string
		amt   string
		want  string
	}{
		{"unpaid", str(u, "syssn"), "U-R", "100", "1261"},
		{"closed", str(x, "syssn"), "X-R", "100", "1261"},
		{"unknown syssn", "20260314000300029999999999", "N-R", "100", "1136"},
		{"refund of a refund", str(fr, "syssn"), "FR-R", "100", "1136"},
		{"no syssn", "", "N-R", "100", "1104"},
		{"no out_trade_no", str(u, "syssn"), "", "100", "1104"},
		{"zero", str(u, "syssn"), "N-R", "0", "1104"},
		{"decimal", str(u, "syssn"), "N-R", "1.5", "1104"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, e.call(req{path: "/trade/v1/refund", body: map[string]string{
				"syssn": tt.syssn, "out_trade_no": tt.out, "txamt": tt.amt, "txdtm": e.txdtm(),
			}}), tt.want)
		})
	}
}

func TestQueryPaging(t *testing.T) {
	e := newEnv(t, Config{})
	for i := 1; i <= 25; i++ {
		e.create(fmt.Sprintf("N%02d", i), int64(i*100))
		if i%5 == 0 {
			must(t, e.s.Pay(fmt.Sprintf("N%02d", i)))
		}
		e.clock.Advance(time.Second)
	}
	outs := func(l []map[string]any) string {
		var s []string
		for _, r := range l {
			s = append(s, str(r, "out_trade_no"))
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name string
		p    map[string]string
		want string
	}{
		{"default page of 10, newest first", map[string]string{}, "N25,N24,N23,N22,N21,N20,N19,N18,N17,N16"},
		{"page 2", map[string]string{"page": "2"}, "N15,N14,N13,N12,N11,N10,N09,N08,N07,N06"},
		{"page 3 is short", map[string]string{"page": "3"}, "N05,N04,N03,N02,N01"},
		{"page 4 is empty", map[string]string{"page": "4"}, ""},
		{"page_size 4 page 2", map[string]string{"page": "2", "page_size": "4"}, "N21,N20,N19,N18"},
		{"page_size 100", map[string]string{"page_size": "100", "respcd": "0000"}, "N25,N20,N15,N10,N05"},
		{"out_trade_no list", map[string]string{"out_trade_no": "N03,N01, N07"}, "N07,N03,N01"},
		{"unknown out_trade_no", map[string]string{"out_trade_no": "NOPE"}, ""},
		{"pay_type 800207", map[string]string{"pay_type": "800207"}, ""},
		{"pay_type list", map[string]string{"pay_type": "800207,800201", "page_size": "2"}, "N25,N24"},
		{"respcd 1143", map[string]string{"respcd": "1143", "page_size": "3"}, "N24,N23,N22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.query(tt.p)
			wantCode(t, m, "0000")
			l := e.records(tt.p)
			if got := outs(l); got != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
	m := e.query(map[string]string{"page": "2", "page_size": "5"})
	if m["page"] != float64(2) || m["page_size"] != float64(5) || m["resperr"] != "请求成功" {
		t.Errorf("outer fields %v %v %v", m["page"], m["page_size"], m["resperr"])
	}
	if _, ok := e.query(map[string]string{"out_trade_no": "NOPE"})["data"].([]any); !ok {
		t.Errorf("empty data is not an empty list")
	}
	sn := func(out string) string { o, _ := e.s.Order(out); return o.SysSN }
	if got := outs(e.records(map[string]string{"syssn": sn("N02") + "," + sn("N09")})); got != "N09,N02" {
		t.Errorf("syssn list: %s", got)
	}
	for _, bad := range []map[string]string{
		{"page_size": "101"}, {"page_size": "0"}, {"page_size": "x"}, {"page": "0"}, {"page": "-1"},
	} {
		wantCode(t, e.query(bad), "1104")
	}
}

func TestQueryTimeRange(t *testing.T) {
	e := newEnv(t, Config{})
	at := func(out, when string) string {
		tm, err := time.ParseInLocation(payment.TimeLayout, when, hkt)
		must(t, err)
		e.clock.Set(tm)
		e.create(out, 1000)
		return str(e.record(out), "syssn")
	}
	jan := at("JAN", "2026-01-31 23:59:59")
	at("FEB", "2026-02-20 12:00:00")
	at("MAR1", "2026-03-01 00:00:00")
	at("MAR", "2026-03-14 10:00:00")
	e.clock.Set(t0.Add(time.Hour))

	tests := []struct {
		name string
		p    map[string]string
		want string // comma list, or a respcd
	}{
		{"default: this month", map[string]string{}, "MAR,MAR1"},
		{"cross-month range", map[string]string{"start_time": "2026-02-15 00:00:00", "end_time": "2026-03-10 00:00:00"}, "MAR1,FEB"},
		{"bounds are inclusive", map[string]string{"start_time": "2026-01-31 23:59:59", "end_time": "2026-02-20 12:00:00"}, "FEB,JAN"},
		{"start only: that month", map[string]string{"start_time": "2026-02-01 00:00:00"}, "FEB"},
		{"end only: that month", map[string]string{"end_time": "2026-01-31 23:59:59"}, "JAN"},
		{"exactly one month", map[string]string{"start_time": "2026-02-01 00:00:00", "end_time": "2026-03-01 00:00:00"}, "MAR1,FEB"},
		{"over a month", map[string]string{"start_time": "2026-02-01 00:00:00", "end_time": "2026-03-01 00:00:01"}, "1104"},
		{"end before start", map[string]string{"start_time": "2026-03-02 00:00:00", "end_time": "2026-03-01 00:00:00"}, "1104"},
		{"bad start", map[string]string{"start_time": "2026-03-01", "end_time": "2026-03-10 00:00:00"}, "1104"},
		{"bad end", map[string]string{"start_time": "2026-03-01 00:00:00", "end_time": "tomorrow"}, "1104"},
		{"syssn ignores the range", map[string]string{"syssn": jan, "start_time": "2026-03-01 00:00:00", "end_time": "bad"}, "JAN"},
		{"out_trade_no alone: this month only", map[string]string{"out_trade_no": "JAN,FEB,MAR"}, "MAR"},
		{"out_trade_no with a range", map[string]string{"out_trade_no": "JAN,FEB", "start_time": "2026-02-01 00:00:00", "end_time": "2026-02-28 23:59:59"}, "FEB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.query(tt.p)
			if len(tt.want) == 4 && tt.want[0] == '1' {
				wantCode(t, m, tt.want)
				return
			}
			wantCode(t, m, "0000")
			var got []string
			for _, r := range m["data"].([]any) {
				got = append(got, str(r.(map[string]any), "out_trade_no"))
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
}

func TestMchID(t *testing.T) {
	tests := []struct {
		name   string
		cfg    string // Config.MchID
		sent   string // mchid sent, "" = none
		want   string
		oauthW string // get_weixin_oauth_code answer: "302" or a respcd
	}{
		{"required and sent", "M1234", "M1234", "0000", "302"},
		{"required, missing", "M1234", "", "1104", "1104"},
		{"required, another", "M1234", "M9999", "1241", "1241"},
		{"not issued, not sent", "", "", "0000", "302"},
		{"not issued, sent", "", "M1234", "1104", "1104"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{MchID: tt.cfg})
			e.mchid = tt.sent
			wantCode(t, e.call(req{path: "/trade/v1/payment", body: e.payParams("M", 1000)}), tt.want)
			wantCode(t, e.query(map[string]string{"out_trade_no": "M"}), tt.want)

			p := map[string]string{"app_code": e.app, "redirect_uri": "https://shop.example/back"}
			if tt.sent != "" {
				p["mchid"] = tt.sent
			}
			p["sign"] = payment.Sign(p, e.key, payment.SignMD5)
			resp, body := e.page("GET", e.url+"/tool/v1/get_weixin_oauth_code?"+values(p).Encode(), nil)
			if tt.oauthW == "302" {
				if resp.StatusCode != http.StatusFound {
					t.Errorf("oauth: HTTP %d %s", resp.StatusCode, body)
				}
			} else if !strings.Contains(body, `"respcd":"`+tt.oauthW+`"`) {
				t.Errorf("oauth: %s, want respcd %s", body, tt.oauthW)
			}
		})
	}
}

func TestExpiryIsFromCreationNotTxdtm(t *testing.T) {
	e := newEnv(t, Config{})
	p := e.payParams("T", 1000)
	p["txdtm"] = "2020-01-01 00:00:00" // a client with a wrong clock
	wantCode(t, e.call(req{path: "/trade/v1/payment", body: p}), "0000")
	if r := e.record("T"); r["respcd"] != "1143" || r["txdtm"] != "2020-01-01 00:00:00" || r["sysdtm"] != "2026-03-14 10:00:00" {
		t.Errorf("record %v", r)
	}
}

func TestLocation(t *testing.T) {
	// sysdtm is written in Config.Location whatever the clock's zone.
	utcNow := func() time.Time { return time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC) }
	e := newEnv(t, Config{Now: utcNow, Location: hkt})
	m := e.create("L", 1000)
	if m["sysdtm"] != "2026-03-14 10:00:00" {
		t.Errorf("sysdtm %v, want HKT", m["sysdtm"])
	}
	u, _ := url.Parse(str(m, "qrcode"))
	if u.Path != "/sandbox/pay/L" {
		t.Errorf("qrcode path %s", u.Path)
	}
}

// TestAnswerValueTypes pins what doc.go says of the answers: every value
// is a string but a query's page, page_size and data and a payment's
// pay_params, whose own values are strings.
func TestAnswerValueTypes(t *testing.T) {
	e := newEnv(t, Config{})
	allStrings := func(what string, m map[string]any) {
		t.Helper()
		for k, v := range m {
			if _, ok := v.(string); !ok {
				t.Errorf("%s: %s is %T", what, k, v)
			}
		}
	}
	check := func(what string, m map[string]any) {
		t.Helper()
		for k, v := range m {
			switch k {
			case "page", "page_size":
				if _, ok := v.(float64); !ok {
					t.Errorf("%s: %s is %T, want a number", what, k, v)
				}
			case "data":
				for _, r := range v.([]any) {
					allStrings(what+" record", r.(map[string]any))
				}
			case "pay_params":
				allStrings(what+" pay_params", v.(map[string]any))
			default:
				if _, ok := v.(string); !ok {
					t.Errorf("%s: %s is %T", what, k, v)
				}
			}
		}
	}
	m := e.create("T1", 1000)
	check("payment", m)
	must(t, e.s.Pay("T1"))
	check("refund", e.refund(str(m, "syssn"), "T1R", 100))
	e.create("T2", 500)
	check("close", e.cancel("/trade/v1/close", "T2", 500))
	check("refused", e.cancel("/trade/v1/close", "T1", 1000))
	code := e.oauthCode()
	o := e.openID(code)
	check("openid", o)
	p := e.payParams("T3", 100)
	p["pay_type"], p["sub_openid"] = "800207", str(o, "openid")
	check("800207 payment", e.call(req{path: "/trade/v1/payment", body: p}))
	q := e.query(map[string]string{})
	if len(q["data"].([]any)) != 4 {
		t.Errorf("query %v", q)
	}
	check("query", q)
}
