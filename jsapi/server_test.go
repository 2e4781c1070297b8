package jsapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/jsapi"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// TestWeChatPaid is the whole flow in WeChat's browser: the JSAPI QR's
// page, QFPay's OAuth, the callback, /q/direct where the customer pays,
// and the result page, which settles the attempt by query — and the sale
// at the counter ends paid at that moment (its own polling is slowed to
// an hour, so only the result page can have ended it).
func TestWeChatPaid(t *testing.T) {
	r := newRig(t, func(s *checkout.Settings) {
		s.Poll = checkout.Poll{Fast: time.Hour, Slow: time.Hour, FastFor: time.Hour}
	}, jsapi.Config{})
	sale, qr := r.sale(1250)
	ph := newPhone(t, wechatUA)

	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	visited := strings.Join(ph.visited(), "\n")
	mustContain(t, "redirect chain", visited, "/tool/v1/get_weixin_oauth_code?", "/jsapi/"+qr.OutTradeNo+"/callback?code=", "/q/direct?")
	mustContain(t, "/q/direct page", body, "Tea House", "HK$12.50", "Oolong tea")
	direct := resp.Request.URL.Query()
	for _, k := range []string{"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"} {
		if direct.Get(k) == "" {
			t.Errorf("/q/direct has no %s: %s", k, resp.Request.URL)
		}
	}
	if direct.Get("mchntnm") != "Tea House" || direct.Get("txamt") != "1250" || direct.Get("currency") != "HKD" ||
		!strings.HasPrefix(direct.Get("redirect_url"), r.web.URL+"/jsapi/"+qr.OutTradeNo+"/result/") {
		t.Errorf("/q/direct query = %v", direct)
	}

	// The attempt is stored, its own order, before and after the call.
	atts := r.attemptsOf(qr.OutTradeNo)
	if len(atts) != 1 || atts[0].State != store.StateAwaiting || atts[0].PayType != payment.PayTypeWeChatJSAPI || atts[0].Amount != 1250 {
		t.Fatalf("attempts = %+v", atts)
	}
	att := atts[0]

	start := time.Now()
	resp, body = ph.pressOnDirect(resp, body, "pay")
	if !strings.Contains(resp.Request.URL.Path, "/result/"+att.OutTradeNo) || resp.StatusCode != http.StatusOK {
		t.Fatalf("after paying: HTTP %d at %s", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, "result page", body, "Paid", "付款成功", "HK$12.50", att.OutTradeNo)
	if strings.Contains(body, "status/") {
		t.Error("a final result page still polls")
	}
	final := waitFinal(t, sale, 5*time.Second)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the counter saw the payment %s after the result page", took)
	}
	if final.State != store.StatePaid || final.PaidOutTradeNo != att.OutTradeNo || final.OutTradeNo != qr.OutTradeNo {
		t.Fatalf("sale final = %+v", final)
	}
	if a := r.order(att.OutTradeNo); a.State != store.StatePaid || a.Parent != qr.OutTradeNo || a.SysSN == "" {
		t.Errorf("attempt = %+v", a)
	}
	if p := r.order(qr.OutTradeNo); p.State != store.StateCancelled {
		t.Errorf("800201 order = %s, want closed (cancelled)", p.State)
	}

	// The status JSON agrees; the entry page now says the sale is over.
	resp, body = ph.get(r.web.URL + "/jsapi/" + qr.OutTradeNo + "/status/" + att.OutTradeNo)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status: HTTP %d", resp.StatusCode)
	}
	var st jsapi.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil || !st.Final || !st.Paid || st.State != "paid" {
		t.Errorf("status = %s (%v)", body, err)
	}
	resp, body = ph.get(r.pages.OrderURL(qr.OutTradeNo))
	clearPage(t, resp, body, "This payment is closed", "此付款已結束")
}

func TestWeChatDeclined(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	sale, qr := r.sale(880)
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	resp, body = ph.pressOnDirect(resp, body, "decline")
	clearPage(t, resp, body, "Not paid", "未付款", "You have not been charged", "Try again")
	atts := r.attemptsOf(qr.OutTradeNo)
	if len(atts) != 1 || atts[0].State != store.StateFailed {
		t.Fatalf("attempts = %+v", atts)
	}
	// The sale goes on: the customer may try again, or scan the QR.
	select {
	case <-sale.Done():
		t.Fatalf("a declined WeChat payment ended the sale: %+v", sale.Wait())
	case <-time.After(200 * time.Millisecond):
	}
	if p := r.order(qr.OutTradeNo); p.State != store.StateAwaiting {
		t.Errorf("800201 order = %s", p.State)
	}
	// Trying again works: a new attempt, paid.
	resp, body = ph.get(r.pages.OrderURL(qr.OutTradeNo))
	resp, body = ph.pressOnDirect(resp, body, "pay")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("result page: HTTP %d", resp.StatusCode)
	}
	mustContain(t, "result page", body, "Paid")
	final := waitFinal(t, sale, 10*time.Second)
	if final.State != store.StatePaid || final.PaidOutTradeNo == "" || final.PaidOutTradeNo == atts[0].OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
}

// TestWeChatReusedCode replays the callback URL, code and all: the code
// is not exchanged again; the page says so and leads to the payment made
// with it; the parent order's history records it.
func TestWeChatReusedCode(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	sale, qr := r.sale(660)
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	callback := ph.callbackVisited()
	if resp.Request.URL.Path != "/q/direct" {
		t.Fatalf("first visit ended at %s: %s", resp.Request.URL, body)
	}
	att := r.attemptsOf(qr.OutTradeNo)[0]
	// A HEAD (a link checker) changes nothing.
	resp, _ = ph.do("HEAD", callback, nil)
	if resp.StatusCode != http.StatusOK || len(r.notes(qr.OutTradeNo)) != 0 {
		t.Errorf("HEAD callback: HTTP %d, notes %q", resp.StatusCode, r.notes(qr.OutTradeNo))
	}

	resp, body = ph.get(callback)
	clearPage(t, resp, body, "This link was already used", "此連結已使用", "Check my payment", "/result/"+att.OutTradeNo)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("HTTP %d, want 409", resp.StatusCode)
	}
	if n := len(r.attemptsOf(qr.OutTradeNo)); n != 1 {
		t.Errorf("%d attempts after the replay, want 1", n)
	}
	if notes := r.notes(qr.OutTradeNo); len(notes) != 1 || !strings.Contains(notes[0], "OAuth code used twice") {
		t.Errorf("notes = %q", notes)
	}

	// The sale remembers its codes, not the pages: pages served anew for
	// the same engine refuse the code too, without asking QFPay.
	fresh, err := jsapi.New(r.eng, r.client, jsapi.Config{PublicURL: r.web.URL, MerchantName: "Tea House"})
	if err != nil {
		t.Fatal(err)
	}
	exchanges := r.net.hits("/tool/v1/get_weixin_openid")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", callback, nil)
	req.Header.Set("User-Agent", wechatUA)
	fresh.ServeHTTP(rec, req)
	clearPage(t, rec.Result(), rec.Body.String(), "This link was already used", "/result/"+att.OutTradeNo)
	if n := len(r.attemptsOf(qr.OutTradeNo)); n != 1 {
		t.Errorf("%d attempts after the replay, want 1", n)
	}
	if n := r.net.hits("/tool/v1/get_weixin_openid"); n != exchanges {
		t.Errorf("the replayed code was exchanged again (%d exchanges, was %d)", n, exchanges)
	}

	// The first payment still goes through.
	r.srv.Pay(att.OutTradeNo)
	if final := waitFinal(t, sale, 10*time.Second); final.State != store.StatePaid || final.PaidOutTradeNo != att.OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
}

func TestWeChatNoCode(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	_, qr := r.sale(500)
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo) + "/callback")
	clearPage(t, resp, body, "WeChat sign-in not completed", "微信授權未完成", "Try again", "/jsapi/"+qr.OutTradeNo)
	if notes := r.notes(qr.OutTradeNo); len(notes) != 1 || !strings.Contains(notes[0], "no OAuth code") {
		t.Errorf("notes = %q", notes)
	}
	if p := r.order(qr.OutTradeNo); p.State != store.StateAwaiting {
		t.Errorf("800201 order = %s", p.State)
	}
}

func TestWeChatOpenIDFails(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	_, qr := r.sale(500)
	r.srv.SetFaults(sandbox.Faults{OpenID: []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 3}}})
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	clearPage(t, resp, body, "Payment service unavailable", "付款服務暫時無法使用", "You have not been charged", "Try again")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("HTTP %d", resp.StatusCode)
	}
	if n := len(r.attemptsOf(qr.OutTradeNo)); n != 0 {
		t.Errorf("%d attempts without an openid", n)
	}
	if notes := r.notes(qr.OutTradeNo); len(notes) != 1 || !strings.Contains(notes[0], "openid exchange failed") {
		t.Errorf("notes = %q", notes)
	}
	// Trying again (a new code) works.
	r.srv.SetFaults(sandbox.Faults{})
	resp, _ = ph.get(r.pages.OrderURL(qr.OutTradeNo))
	if resp.Request.URL.Path != "/q/direct" {
		t.Errorf("retry ended at %s", resp.Request.URL)
	}
}

func TestWeChatPaymentRefused(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	_, qr := r.sale(500)
	r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultPending, RespCd: "1250", NoQRCode: true}}})
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	atts := r.attemptsOf(qr.OutTradeNo)
	if len(atts) != 1 || atts[0].State != store.StateFailed || atts[0].RespCd != "1250" {
		t.Fatalf("attempts = %+v", atts)
	}
	clearPage(t, resp, body, "Payment refused", "付款被拒絕", "You have not been charged", "QFPay 1250", atts[0].OutTradeNo)
	if strings.Contains(resp.Request.URL.Path, "/q/direct") {
		t.Error("a refused payment went to /q/direct")
	}
}

// The answer to the payment is lost, and the query that follows says it
// failed: the page says refused, with QFPay's code, as when the answer
// itself refused it.
func TestWeChatPaymentRefusedAfterLostAnswer(t *testing.T) {
	r := newRig(t, func(s *checkout.Settings) {
		s.Poll = checkout.Poll{Fast: 15 * time.Millisecond, Slow: time.Hour, FastFor: 0} // the sale itself does not query
	}, jsapi.Config{})
	_, qr := r.sale(500)
	r.srv.SetFaults(sandbox.Faults{
		Payment: []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}},
		Query:   []sandbox.Fault{{Kind: sandbox.FaultLatency, Delay: 300 * time.Millisecond}},
	})
	// The customer declines in WeChat Pay before qfpos's query arrives.
	declined := make(chan string, 1)
	go func() {
		defer close(declined)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			all, _, _ := r.st.List(store.ListQuery{Limit: 100})
			for _, o := range all {
				if o.Parent == qr.OutTradeNo && o.State == store.StateUnknown {
					r.srv.Decline(o.OutTradeNo)
					declined <- o.OutTradeNo
					return
				}
			}
		}
	}()
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	no := <-declined
	if a := r.order(no); a.State != store.StateFailed || a.RespCd != "1205" {
		t.Fatalf("attempt = %+v", a)
	}
	clearPage(t, resp, body, "Payment refused", "付款被拒絕", "You have not been charged", "QFPay 1205", no)
}

func TestWeChatQFPayUnreachable(t *testing.T) {
	t.Run("openid", func(t *testing.T) {
		r := newRig(t, nil, jsapi.Config{})
		_, qr := r.sale(500)
		r.net.cut("/")
		ph := newPhone(t, wechatUA)
		resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
		r.net.cut("")
		clearPage(t, resp, body, "Payment service unavailable", "付款服務暫時無法使用", "Try again")
		if n := len(r.attemptsOf(qr.OutTradeNo)); n != 0 {
			t.Errorf("%d attempts", n)
		}
		if notes := r.notes(qr.OutTradeNo); len(notes) != 1 || !strings.Contains(notes[0], "openid exchange failed") {
			t.Errorf("notes = %q", notes)
		}
	})
	t.Run("payment", func(t *testing.T) {
		r := newRig(t, nil, jsapi.Config{})
		_, qr := r.sale(500)
		r.net.cut("/trade/v1/payment")
		ph := newPhone(t, wechatUA)
		resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
		r.net.cut("")
		atts := r.attemptsOf(qr.OutTradeNo)
		if len(atts) != 1 || atts[0].State != store.StateFailed {
			t.Fatalf("attempts = %+v", atts)
		}
		clearPage(t, resp, body, "Payment service unavailable", "You have not been charged", "Try again", atts[0].OutTradeNo)
		if _, ok := r.srv.Order(atts[0].OutTradeNo); ok {
			t.Error("the payment reached the sandbox")
		}
	})
	t.Run("payment answer lost", func(t *testing.T) {
		r := newRig(t, nil, jsapi.Config{})
		sale, qr := r.sale(500)
		r.srv.SetFaults(sandbox.Faults{Payment: []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}}})
		ph := newPhone(t, wechatUA)
		resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
		atts := r.attemptsOf(qr.OutTradeNo)
		if len(atts) != 1 || atts[0].State != store.StateUnknown {
			t.Fatalf("attempts = %+v", atts)
		}
		clearPage(t, resp, body, "Payment could not be started", "未能開始付款", "You have not been charged", atts[0].OutTradeNo)
		if strings.Contains(resp.Request.URL.Path, "/q/direct") {
			t.Error("went to /q/direct without pay_params anyone is sure of")
		}
		sale.Cancel()
		waitFinal(t, sale, 20*time.Second)
		if a := r.order(atts[0].OutTradeNo); a.State != store.StateCancelled {
			t.Errorf("attempt after the sale = %s, want cancelled", a.State)
		}
	})
}

// TestDesktopBrowser: any browser but WeChat's gets the page saying to
// open it in WeChat, with the order's 800201 QR (decoded here) and its
// link.
func TestDesktopBrowser(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	_, qr := r.sale(1250)
	ph := newPhone(t, desktopUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	if resp.StatusCode != http.StatusOK || len(ph.visited()) != 0 {
		t.Fatalf("HTTP %d via %v", resp.StatusCode, ph.visited())
	}
	clearPage(t, resp, body, "Open in WeChat to pay", "請在微信中打開付款", "HK$12.50", "Tea House", "Oolong tea")
	if got := decodeQR(t, body); got != qr.QRCode {
		t.Errorf("inline QR = %q, want the 800201 QR %q", got, qr.QRCode)
	}
	mustContain(t, "page", body, qr.QRCode)
	if strings.Contains(body, "as=wechat") {
		t.Error("the sandbox shortcut shows outside sandbox mode")
	}
	if n := len(r.attemptsOf(qr.OutTradeNo)); n != 0 {
		t.Errorf("%d attempts", n)
	}
	if n := len(r.notes(qr.OutTradeNo)); n != 0 {
		t.Errorf("notes on a desktop visit: %d", n)
	}
}

// TestOwnOfficialAccount is mode own: the merchant's OAuth page returns
// the openid, and the callback page calls WeixinJSBridge itself.
func TestOwnOfficialAccount(t *testing.T) {
	var r *rig
	// The merchant's own OAuth page: here it gets the openid through the
	// sandbox, as a merchant's server would through its Official Account.
	oauth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		back := req.URL.Query().Get("redirect_uri")
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(r.client.OAuthCodeURL("https://oa.example/cb"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		openid, err := r.client.OpenID(req.Context(), loc.Query().Get("code"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		sig := jsapi.OAuthSignature(oauthSecret, req.URL.Query().Get("order"), openid, ts)
		http.Redirect(w, req, back+"?"+url.Values{"openid": {openid}, "ts": {ts}, "sig": {sig}}.Encode(), http.StatusFound)
	}))
	defer oauth.Close()
	r = newRig(t, nil, jsapi.Config{Mode: jsapi.ModeOwn, OAuthURL: oauth.URL + "/oauth?app=pos", OAuthSecret: oauthSecret})
	sale, qr := r.sale(1500)
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	mustContain(t, "redirect chain", strings.Join(ph.visited(), "\n"), oauth.URL+"/oauth?app=pos&order="+qr.OutTradeNo+"&redirect_uri=")
	// The page that calls WeixinJSBridge is in PUBLIC/jsapi/, WeChat's
	// JSAPI payment directory, whatever the order.
	if resp.Request.URL.Path != "/jsapi/pay" {
		t.Errorf("pay page at %s", resp.Request.URL)
	}
	clearPage(t, resp, body, "Opening WeChat Pay", "WeixinJSBridge.invoke('getBrandWCPayRequest', params, done)", `"package":"prepay_id=`, `"paySign":"`, "WeixinJSBridgeReady")
	atts := r.attemptsOf(qr.OutTradeNo)
	if len(atts) != 1 || atts[0].State != store.StateAwaiting {
		t.Fatalf("attempts = %+v", atts)
	}
	m := regexp.MustCompile(`result = "([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no result URL in the pay page")
	}
	result := strings.ReplaceAll(m[1], `\/`, `/`)
	if !strings.HasSuffix(result, "/result/"+atts[0].OutTradeNo) {
		t.Errorf("result URL %q", result)
	}
	// WeChat takes the payment; the page's callback goes to the result.
	r.srv.Pay(atts[0].OutTradeNo)
	resp, body = ph.get(result)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("result page: HTTP %d", resp.StatusCode)
	}
	mustContain(t, "result page", body, "Paid", "付款成功")
	if final := waitFinal(t, sale, 10*time.Second); final.State != store.StatePaid || final.PaidOutTradeNo != atts[0].OutTradeNo {
		t.Fatalf("final = %+v", final)
	}
	// The pay page of a settled attempt leads to its result; an unknown one is not found.
	resp, body = ph.get(r.web.URL + "/jsapi/pay?attempt=" + atts[0].OutTradeNo)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("settled pay page: HTTP %d", resp.StatusCode)
	}
	mustContain(t, "settled pay page", body, "Paid")
	resp, body = ph.get(r.web.URL + "/jsapi/pay?attempt=QFNOSUCH")
	clearPage(t, resp, body, "Payment not found")

	// Without an openid from the merchant's page: a clear page.
	_, qr2 := r.sale(300)
	resp, body = ph.get(r.pages.OrderURL(qr2.OutTradeNo) + "/callback")
	clearPage(t, resp, body, "Sign-in not completed", "Nothing was charged")
}

func TestResultPagePollsUntilFinal(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{Language: "zh-Hans"})
	_, qr := r.sale(700)
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qr.OutTradeNo))
	mustContain(t, "direct page", body, "Pay")
	result := resp.Request.URL.Query().Get("redirect_url")
	att := r.attemptsOf(qr.OutTradeNo)[0]
	// Back from /q/direct without paying: still pending.
	resp, body = ph.get(result)
	clearPage(t, resp, body, "Checking your payment", "正在确认付款", "/status/"+att.OutTradeNo, "Try again")
	var st jsapi.Status
	_, sb := ph.get(r.web.URL + "/jsapi/" + qr.OutTradeNo + "/status/" + att.OutTradeNo)
	if err := json.Unmarshal([]byte(sb), &st); err != nil || st.Final || st.State != "awaiting" {
		t.Errorf("status = %s", sb)
	}
	r.srv.Pay(att.OutTradeNo)
	deadline := time.Now().Add(5 * time.Second)
	for !st.Final && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		_, sb = ph.get(r.web.URL + "/jsapi/" + qr.OutTradeNo + "/status/" + att.OutTradeNo)
		json.Unmarshal([]byte(sb), &st)
	}
	if !st.Paid {
		t.Errorf("status after paying = %s", sb)
	}
	// Another order's attempt, or a made-up one, is not found.
	resp, body = ph.get(r.web.URL + "/jsapi/" + qr.OutTradeNo + "/result/QFNOSUCH")
	clearPage(t, resp, body, "Payment not found", "找不到此付款")
	_, qr2 := r.sale(300)
	resp, body = ph.get(r.web.URL + "/jsapi/" + qr2.OutTradeNo + "/result/" + att.OutTradeNo)
	clearPage(t, resp, body, "Payment not found", "找不到此付款")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("attempt under another order: HTTP %d", resp.StatusCode)
	}
}

func TestPagesForOddRequests(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{Sandbox: true})
	sale, qr := r.sale(500)
	ph := newPhone(t, desktopUA)
	cases := []struct {
		path   string
		status int
		want   string
	}{
		{"/jsapi/QFNOSUCHORDER", 404, "Payment not found"},
		{"/jsapi/bad%20order", 404, "Payment not found"},
		{"/jsapi/" + qr.OutTradeNo + "/nothing", 404, "Payment not found"},
		{"/elsewhere", 404, "Payment not found"},
		{"/", 200, "Scan the code at the counter"},
	}
	for _, c := range cases {
		resp, body := ph.get(r.web.URL + c.path)
		if resp.StatusCode != c.status {
			t.Errorf("%s: HTTP %d, want %d", c.path, resp.StatusCode, c.status)
		}
		clearPage(t, resp, body, c.want, "SANDBOX")
	}
	resp, body := ph.do("POST", r.pages.OrderURL(qr.OutTradeNo), url.Values{"x": {"1"}})
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: HTTP %d", resp.StatusCode)
	}
	clearPage(t, resp, body, "Not available")

	// The sandbox lets a desktop browser walk the WeChat flow.
	resp, body = ph.get(r.pages.OrderURL(qr.OutTradeNo))
	mustContain(t, "sandbox page", body, "as=wechat")
	page := resp
	resp, body = ph.get(r.pages.OrderURL(qr.OutTradeNo) + "?as=wechat")
	mustContain(t, "direct page", body, "Pay")
	if resp.Request.URL.Path != "/q/direct" {
		t.Errorf("as=wechat ended at %s", resp.Request.URL)
	}
	// Security headers, on the pages' own answers: a page, and a page for
	// a request the pages do not serve.
	notFound, _ := ph.get(r.web.URL + "/elsewhere")
	for _, resp := range []*http.Response{page, notFound} {
		if resp.Request.URL.Host != strings.TrimPrefix(r.web.URL, "http://") {
			t.Fatalf("%s is not the pages' own answer", resp.Request.URL)
		}
		for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", resp.Request.URL.Path, h, got, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'nonce-") {
			t.Errorf("%s: CSP = %q", resp.Request.URL.Path, csp)
		}
	}

	// Once the sale is over, its pages say so.
	sale.Cancel()
	waitFinal(t, sale, 10*time.Second)
	resp, body = newPhone(t, wechatUA).get(r.pages.OrderURL(qr.OutTradeNo))
	clearPage(t, resp, body, "This payment is closed", "此付款已結束", "ask at the counter")
	if resp.StatusCode != http.StatusGone {
		t.Errorf("HTTP %d, want 410", resp.StatusCode)
	}
}

// panicky is a checkout engine that panics.
type panicky struct{ *checkout.Engine }

func (panicky) CanAttempt(string) (*store.Order, error) { panic("boom") }

func TestPanicBecomesAPage(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	s, err := jsapi.New(panicky{r.eng}, r.client, jsapi.Config{PublicURL: r.web.URL})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/jsapi/QF123", nil))
	clearPage(t, rec.Result(), rec.Body.String(), "Something went wrong", "出現問題", "ask at the counter")
}

func TestNewRefusesBadConfig(t *testing.T) {
	r := newRig(t, nil, jsapi.Config{})
	for _, c := range []jsapi.Config{
		{},
		{PublicURL: "pay.example.com"},
		{PublicURL: "https://pay.example.com/?x=1"},
		{PublicURL: "https://pay.example.com", Mode: "mine"},
		{PublicURL: "https://pay.example.com", Mode: jsapi.ModeOwn},
		{PublicURL: "https://pay.example.com", Mode: jsapi.ModeOwn, OAuthURL: "https://oa.example/oauth"},
		{PublicURL: "https://pay.example.com", Mode: jsapi.ModeOwn, OAuthURL: "https://oa.example/oauth", OAuthSecret: "short"},
	} {
		if _, err := jsapi.New(r.eng, r.client, c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
	s, err := jsapi.New(r.eng, r.client, jsapi.Config{PublicURL: "https://pay.example.com/pos/"})
	if err != nil || s.OrderURL("QF1") != "https://pay.example.com/pos/jsapi/QF1" {
		t.Errorf("OrderURL = %q, %v", s.OrderURL("QF1"), err)
	}
}
