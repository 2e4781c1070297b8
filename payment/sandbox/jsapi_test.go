package sandbox

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
)

// oauthURL is the signed get_weixin_oauth_code URL for redirect.
func (e *env) oauthURL(redirect string) string {
	p := map[string]string{"app_code": e.app, "redirect_uri": redirect}
	p["sign"] = payment.Sign(p, e.key, payment.SignMD5)
	return e.url + "/tool/v1/get_weixin_oauth_code?" + values(p).Encode()
}

// oauthCode follows the OAuth step and returns the code.
func (e *env) oauthCode() string {
	e.t.Helper()
	resp, body := e.page("GET", e.oauthURL("https://shop.example/back"), nil)
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("oauth: HTTP %d %s", resp.StatusCode, body)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	must(e.t, err)
	return u.Query().Get("code")
}

func (e *env) openID(code string) map[string]any {
	e.t.Helper()
	return e.call(req{method: "GET", path: "/tool/v1/get_weixin_openid", body: e.withMchID(map[string]string{"code": code})})
}

func TestOAuthCode(t *testing.T) {
	e := newEnv(t, Config{})
	signed := func(p map[string]string, st payment.SignType) string {
		p["sign"] = payment.Sign(p, e.key, st)
		return e.url + "/tool/v1/get_weixin_oauth_code?" + values(p).Encode()
	}
	tests := []struct {
		name     string
		url      string
		location string // regexp the 302 Location must match; "" = a JSON refusal
		respcd   string
	}{
		{"plain", e.oauthURL("https://shop.example/back"), `^https://shop\.example/back\?code=[A-Za-z0-9]{32}$`, ""},
		{"keeps the query", e.oauthURL("http://192.168.1.5:8080/pay?order=A%201&x=y"), `^http://192\.168\.1\.5:8080/pay\?order=A%201&x=y&code=[A-Za-z0-9]{32}$`, ""},
		{"keeps the fragment last", e.oauthURL("https://shop.example/p?a=1#top"), `^https://shop\.example/p\?a=1&code=[A-Za-z0-9]{32}#top$`, ""},
		{"wrong sign", strings.Replace(e.oauthURL("https://shop.example/back"), "sign=", "sign=0", 1), "", "1108"},
		{"sha256 sign", signed(map[string]string{"app_code": e.app, "redirect_uri": "https://shop.example/"}, payment.SignSHA256), "", "1108"},
		{"wrong app_code", signed(map[string]string{"app_code": "ABC", "redirect_uri": "https://shop.example/"}, payment.SignMD5), "", "1108"},
		{"no redirect_uri", signed(map[string]string{"app_code": e.app}, payment.SignMD5), "", "1104"},
		{"relative redirect_uri", signed(map[string]string{"app_code": e.app, "redirect_uri": "/back"}, payment.SignMD5), "", "1104"},
		{"javascript redirect_uri", signed(map[string]string{"app_code": e.app, "redirect_uri": "javascript:alert(1)"}, payment.SignMD5), "", "1104"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.page("GET", tt.url, nil)
			if tt.location != "" {
				if resp.StatusCode != http.StatusFound {
					t.Fatalf("HTTP %d %s", resp.StatusCode, body)
				}
				if loc := resp.Header.Get("Location"); !regexp.MustCompile(tt.location).MatchString(loc) {
					t.Errorf("Location %s does not match %s", loc, tt.location)
				}
				return
			}
			if resp.StatusCode != 200 || !strings.Contains(body, `"respcd":"`+tt.respcd+`"`) {
				t.Errorf("HTTP %d %s, want respcd %s", resp.StatusCode, body, tt.respcd)
			}
		})
	}
}

func TestOpenIDOnce(t *testing.T) {
	e := newEnv(t, Config{})
	code := e.oauthCode()
	m := e.openID(code)
	wantCode(t, m, "0000")
	openid := str(m, "openid")
	if !regexp.MustCompile(`^o[A-Za-z0-9_-]{27}$`).MatchString(openid) || m["resperr"] != "" || m["respmsg"] != "" {
		t.Errorf("answer %v", m)
	}
	wantCode(t, e.openID(code), "1104") // second use
	wantCode(t, e.openID("011QipnO1yMIla1VJdoO1FUrnO1Qipnv"), "1104")
	wantCode(t, e.openID(""), "1104")
	wantCode(t, e.call(req{method: "GET", path: "/tool/v1/get_weixin_openid", body: map[string]string{"code": e.oauthCode()}, header: map[string]string{"X-QF-SIGN": "BAD"}}), "1108")
	wantCode(t, e.call(req{method: "GET", path: "/tool/v1/get_weixin_openid", body: map[string]string{"code": e.oauthCode()}, signType: payment.SignSHA256}), "0000")

	late := e.oauthCode()
	e.clock.Advance(5*time.Minute + time.Second)
	wantCode(t, e.openID(late), "1104")

	if m2 := e.openID(e.oauthCode()); m2["openid"] == openid {
		t.Errorf("two codes gave the same openid")
	}

	// A dropped openid answer uses the code up: the client needs a new one.
	e.s.SetFaults(Faults{OpenID: []Fault{{Kind: FaultDrop, Processed: true}}})
	code = e.oauthCode()
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := fresh.Do(e.build(req{method: "GET", path: "/tool/v1/get_weixin_openid", body: map[string]string{"code": code}})); err == nil {
		t.Errorf("openid answered despite the drop")
	}
	wantCode(t, e.openID(code), "1104")
}

// jsapiOrder runs OAuth, openid and an 800207 payment; it returns the
// payment answer's pay_params.
func (e *env) jsapiOrder(out string, amount int64) map[string]string {
	e.t.Helper()
	openid := str(e.openID(e.oauthCode()), "openid")
	p := e.payParams(out, amount)
	p["pay_type"], p["sub_openid"] = "800207", openid
	m := e.call(req{path: "/trade/v1/payment", body: p})
	wantCode(e.t, m, "0000")
	if _, ok := m["qrcode"]; ok {
		e.t.Errorf("800207 answer has a qrcode")
	}
	raw, ok := m["pay_params"].(map[string]any)
	if !ok {
		e.t.Fatalf("no pay_params in %v", m)
	}
	pp := map[string]string{}
	for k, v := range raw {
		pp[k] = v.(string)
	}
	return pp
}

func TestJSAPIPayment(t *testing.T) {
	e := newEnv(t, Config{})
	pp := e.jsapiOrder("J1", 1234)
	for _, k := range []string{"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"} {
		if pp[k] == "" {
			t.Errorf("pay_params.%s missing: %v", k, pp)
		}
	}
	if !strings.HasPrefix(pp["package"], "prepay_id=") || pp["signType"] != "MD5" || len(pp["appId"]) > 16 || pp["timeStamp"] != "1773453600" {
		t.Errorf("pay_params %v", pp)
	}
	unsigned := map[string]string{}
	for k, v := range pp {
		if k != "paySign" {
			unsigned[k] = v
		}
	}
	if want := payment.Digest(payment.SigningString(unsigned)+"&key="+e.key, payment.SignMD5); pp["paySign"] != want {
		t.Errorf("paySign %s, want %s", pp["paySign"], want)
	}
	if r := e.record("J1"); r["pay_type"] != "800207" || r["respcd"] != "1143" {
		t.Errorf("record %v", r)
	}
	// A pending answer without pay_params (fault) still creates the order.
	e.s.SetFaults(Faults{Payment: []Fault{{Kind: FaultPending, NoQRCode: true}}})
	openid := str(e.openID(e.oauthCode()), "openid")
	p := e.payParams("J2", 100)
	p["pay_type"], p["sub_openid"] = "800207", openid
	m := e.call(req{path: "/trade/v1/payment", body: p})
	if m["respcd"] != "1143" || m["pay_params"] != nil {
		t.Errorf("pending fault answer %v", m)
	}
}

// directURL is the /q/direct URL a shop sends the payer to.
func (e *env) directURL(pp map[string]string, mod func(url.Values)) string {
	v := values(pp)
	v.Set("mchntnm", "Pet Shop")
	v.Set("txamt", "1234")
	v.Set("currency", "HKD")
	v.Set("goods_name", "Dog food")
	v.Set("redirect_url", "https://shop.example/done?order=J1")
	if mod != nil {
		mod(v)
	}
	return e.url + "/q/direct?" + v.Encode()
}

func TestDirectPage(t *testing.T) {
	e := newEnv(t, Config{})
	pp := e.jsapiOrder("J1", 1234)

	tests := []struct {
		name   string
		mod    func(url.Values)
		status int
		words  []string
	}{
		{"shows the order", nil, 200, []string{"Pet Shop", "HK$12.34", "Dog food", `name="viewport"`, `value="pay"`, `value="decline"`}},
		{"goods_name is optional", func(v url.Values) { v.Del("goods_name") }, 200, []string{"HK$12.34"}},
		{"missing parameters", func(v url.Values) { v.Del("mchntnm"); v.Del("paySign"); v.Del("redirect_url") }, 400, []string{"mchntnm", "paySign", "redirect_url"}},
		{"nothing at all", func(v url.Values) {
			for k := range v {
				v.Del(k)
			}
		}, 400, directParams},
		{"altered paySign", func(v url.Values) { v.Set("paySign", "00") }, 400, []string{"paySign"}},
		{"altered nonceStr", func(v url.Values) { v.Set("nonceStr", "x") }, 400, []string{"nonceStr"}},
		{"other amount", func(v url.Values) { v.Set("txamt", "1") }, 400, []string{"txamt"}},
		{"other currency", func(v url.Values) { v.Set("currency", "USD") }, 400, []string{"currency"}},
		{"unknown prepay_id", func(v url.Values) { v.Set("package", "prepay_id=wx1") }, 400, []string{"prepay_id"}},
		{"redirect_url not http", func(v url.Values) { v.Set("redirect_url", "javascript:alert(1)") }, 400, []string{"redirect_url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.page("GET", e.directURL(pp, tt.mod), nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("HTTP %d, want %d\n%s", resp.StatusCode, tt.status, body)
			}
			for _, w := range tt.words {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q\n%s", w, body)
				}
			}
		})
	}

	// Pay: 303 to redirect_url, and the order is paid.
	u := e.directURL(pp, nil)
	resp, body := e.page("POST", u, url.Values{"action": {"pay"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://shop.example/done?order=J1" {
		t.Fatalf("pay: HTTP %d Location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if r := e.record("J1"); r["respcd"] != "0000" {
		t.Errorf("after pay: %v", r)
	}
	resp, body = e.page("POST", u, url.Values{"action": {"decline"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Back to the shop") {
		t.Errorf("decline after pay: HTTP %d\n%s", resp.StatusCode, body)
	}
	resp, _ = e.page("GET", u, nil)
	if resp.StatusCode != 200 {
		t.Errorf("GET after pay: %d", resp.StatusCode)
	}

	// Decline, with QFPay's sample redirect_url that has no scheme.
	pp2 := e.jsapiOrder("J2", 1234)
	u2 := e.directURL(pp2, func(v url.Values) { v.Set("redirect_url", "www.example.com") })
	resp, body = e.page("POST", u2, url.Values{"action": {"decline"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "http://www.example.com" {
		t.Fatalf("decline: HTTP %d Location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if r := e.record("J2"); r["respcd"] != "1205" {
		t.Errorf("after decline: %v", r)
	}
	resp, _ = e.page("POST", e.directURL(e.jsapiOrder("J3", 1234), nil), url.Values{"action": {"steal"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown action: HTTP %d", resp.StatusCode)
	}
}
