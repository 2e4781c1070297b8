package jsapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/jsapi"
	"github.com/qfpos/qfpos/payment/sandbox"
)

// TestScreenshots renders the pages in headless Chromium into
// docs/screenshots/jsapi-*.png. It runs only when asked:
//
//	QFPOS_SCREENSHOTS=../docs/screenshots go test -run Screenshots ./jsapi/
//
// (apt package chromium; the path is relative to jsapi/).
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("QFPOS_SCREENSHOTS")
	if dir == "" {
		t.Skip("set QFPOS_SCREENSHOTS to a directory to render the pages with Chromium")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium: apt-get install chromium")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name, ua, u string, budget time.Duration) {
		t.Helper()
		out := filepath.Join(dir, "jsapi-"+name+".png")
		args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir=" + t.TempDir(), "--screenshot=" + out, "--window-size=390,844", "--user-agent=" + ua}
		if budget > 0 {
			args = append(args, fmt.Sprintf("--virtual-time-budget=%d", budget.Milliseconds()))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if b, err := exec.CommandContext(ctx, chromium, append(args, u)...).CombinedOutput(); err != nil {
			t.Fatalf("chromium %s: %v\n%s", name, err, b)
		}
		if fi, err := os.Stat(out); err != nil || fi.Size() < 2000 {
			t.Fatalf("%s: no screenshot (%v)", out, err)
		}
		t.Logf("%s ← %s", out, u)
	}

	r := newRig(t, nil, jsapi.Config{})
	_, qr := r.sale(4280)

	// Any browser but WeChat's.
	shot("not-wechat", desktopUA, r.pages.OrderURL(qr.OutTradeNo), 0)
	// WeChat: through QFPay's OAuth and the callback to /q/direct (the
	// sandbox's stand-in for QFPay's page).
	shot("direct-sandbox", wechatUA, r.pages.OrderURL(qr.OutTradeNo), 0)

	ph := newPhone(t, wechatUA)
	// Back from /q/direct without paying: the result page keeps asking.
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	mustContain(t, "direct page", body, "Pay")
	pending := resp.Request.URL.Query().Get("redirect_url")
	shot("result-checking", wechatUA, pending, 0)
	// The callback replayed (reloaded, shared).
	shot("used-code", wechatUA, ph.callbackVisited(), 0)
	// Paid.
	resp, body = ph.get(r.pages.OrderURL(qr.OutTradeNo))
	resp, _ = ph.pressOnDirect(resp, body, "pay")
	shot("result-paid", wechatUA, resp.Request.URL.String(), 0)
	// The sale is over.
	shot("closed", wechatUA, r.pages.OrderURL(qr.OutTradeNo), 0)

	// Declined in WeChat Pay.
	_, qr2 := r.sale(1500)
	resp, body = ph.get(r.pages.OrderURL(qr2.OutTradeNo))
	resp, _ = ph.pressOnDirect(resp, body, "decline")
	shot("result-not-paid", wechatUA, resp.Request.URL.String(), 0)
	// QFPay unreachable at the openid exchange.
	r.srv.SetFaults(sandbox.Faults{OpenID: []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 3}}})
	shot("unreachable", wechatUA, r.pages.OrderURL(qr2.OutTradeNo), 0)
	r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultPending, RespCd: "1250", NoQRCode: true}}})
	shot("refused", wechatUA, r.pages.OrderURL(qr2.OutTradeNo), 0)
	r.srv.SetFaults(sandbox.Faults{})
	shot("no-code", wechatUA, r.pages.OrderURL(qr2.OutTradeNo)+"/callback", 0)

	// Mode own: the page that calls WeixinJSBridge (absent outside
	// WeChat, so after 3 s it says so).
	var own *rig
	oauth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(own.client.OAuthCodeURL("https://oa.example/cb"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		openid, err := own.client.OpenID(req.Context(), loc.Query().Get("code"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, req, req.URL.Query().Get("redirect_uri")+"?openid="+url.QueryEscape(openid), http.StatusFound)
	}))
	defer oauth.Close()
	own = newRig(t, func(s *checkout.Settings) { s.GoodsName = "午餐套餐" }, jsapi.Config{Mode: jsapi.ModeOwn, OAuthURL: oauth.URL, Language: "zh-Hans", MerchantName: "茶餐廳 Tea House"})
	_, qr3 := own.sale(6800)
	shot("own-account-pay", wechatUA, own.pages.OrderURL(qr3.OutTradeNo), 5*time.Second)

	// Sandbox mode, as `qfpos pay --jsapi` shows it.
	sb := newRig(t, nil, jsapi.Config{Sandbox: true})
	_, qr4 := sb.sale(990)
	shot("sandbox-not-wechat", desktopUA, sb.pages.OrderURL(qr4.OutTradeNo), 0)
}
