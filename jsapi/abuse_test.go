package jsapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/jsapi"
	"github.com/qfpos/qfpos/store"
)

// maxSignIns is checkout's maxSignInsPerSale: the openid exchanges one
// sale may cost the merchant's QFPay budget.
const maxSignIns = 10

// TestCallbackFlood floods one sale's callback with 10,000 made-up OAuth
// codes, as anyone who saw its QR can: QFPay gets at most a few openid
// exchanges for it, another sale's customer pays as usual meanwhile, and
// the flooded sale's own polling still finds its payment.
func TestCallbackFlood(t *testing.T) {
	// Sales poll as a counter does, within the budget (the rig's usual
	// polling takes all of it, and exchanges would wait their second).
	r := newRig(t, func(s *checkout.Settings) {
		s.Poll = checkout.Poll{Fast: 400 * time.Millisecond, Slow: 400 * time.Millisecond, FastFor: time.Minute, Jitter: 0.2, MaxBackoff: time.Second}
	}, jsapi.Config{})
	saleA, qrA := r.sale(1000)
	saleB, qrB := r.sale(2000)

	var mu sync.Mutex
	statuses := map[int]int{}
	codes := make(chan string)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for code := range codes {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "/jsapi/"+qrA.OutTradeNo+"/callback?code="+code, nil)
				req.Header.Set("User-Agent", wechatUA)
				r.pages.ServeHTTP(rec, req)
				mu.Lock()
				statuses[rec.Code]++
				mu.Unlock()
			}
		}()
	}
	go func() {
		for i := range 10000 {
			codes <- fmt.Sprintf("madeup%05d", i)
		}
		close(codes)
	}()

	// Meanwhile another sale's customer pays in WeChat.
	ph := newPhone(t, wechatUA)
	resp, body := ph.get(r.pages.OrderURL(qrB.OutTradeNo))
	_, body = ph.pressOnDirect(resp, body, "pay")
	mustContain(t, "sale B's result page", body, "Paid")
	if final := waitFinal(t, saleB, 10*time.Second); final.State != store.StatePaid || final.PaidOutTradeNo == "" {
		t.Errorf("sale B final = %+v", final)
	}
	wg.Wait()
	// Most were refused while another exchange was under way; one at a
	// time, the sale takes a few more, then none.
	for i := range 2 * maxSignIns {
		resp, _ := newPhone(t, wechatUA).get(r.pages.OrderURL(qrA.OutTradeNo) + "/callback?code=later" + strconv.Itoa(i))
		statuses[resp.StatusCode]++
	}

	if n := r.net.hits("/tool/v1/get_weixin_openid"); n > maxSignIns+1 {
		t.Errorf("%d openid exchanges sent to QFPay, want at most %d for the flood and 1 for sale B", n, maxSignIns)
	}
	if n := statuses[http.StatusBadRequest]; n != maxSignIns {
		t.Errorf("%d made-up codes exchanged (QFPay refused them), want %d: %v", n, maxSignIns, statuses)
	}
	if n := statuses[http.StatusServiceUnavailable] + statuses[http.StatusInternalServerError]; n != 0 {
		t.Errorf("%d callbacks failed (503/500): %v", n, statuses)
	}
	if n := len(r.attemptsOf(qrA.OutTradeNo)); n != 0 {
		t.Errorf("%d attempts from made-up codes", n)
	}
	resp, body = newPhone(t, wechatUA).get(r.pages.OrderURL(qrA.OutTradeNo) + "/callback?code=onemore")
	clearPage(t, resp, body, "Too many tries", "嘗試次數過多", "Nothing was charged")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("HTTP %d; flood: %v", resp.StatusCode, statuses)
	}

	// The flooded sale still polls: its QR is paid, and it ends paid.
	r.srv.Pay(qrA.OutTradeNo)
	if final := waitFinal(t, saleA, 10*time.Second); final.State != store.StatePaid || final.OutTradeNo != qrA.OutTradeNo {
		t.Errorf("sale A final = %+v", final)
	}
}

// sandboxOpenID is an openid the sandbox issued, as a merchant's OAuth
// page would get one from WeChat.
func sandboxOpenID(t *testing.T, r *rig) string {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(r.client.OAuthCodeURL("https://oa.example/cb"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	openid, err := r.client.OpenID(t.Context(), loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	return openid
}

// TestOwnModeSignedOpenID: in mode own, the callback takes only an openid
// signed by the merchant's OAuth page, for this order, recently. Anything
// else gets a clear 403 page, and QFPay is never asked for a payment.
func TestOwnModeSignedOpenID(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	r := newRig(t, nil, jsapi.Config{Mode: jsapi.ModeOwn, OAuthURL: "https://oa.example/oauth",
		OAuthSecret: oauthSecret, Now: func() time.Time { return now }})
	_, qr := r.sale(1500)
	_, other := r.sale(300)
	openid := sandboxOpenID(t, r)
	payments := func() int { return r.net.hits("/trade/v1/payment") - 2 } // less the two sales' QR orders
	ts := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	sign := func(secret, order, openid, ts string) string { return jsapi.OAuthSignature(secret, order, openid, ts) }
	fresh := ts(-10 * time.Second)
	good := sign(oauthSecret, qr.OutTradeNo, openid, fresh)
	callback := func(q url.Values) string { return r.pages.OrderURL(qr.OutTradeNo) + "/callback?" + q.Encode() }

	for _, c := range []struct {
		name string
		q    url.Values
	}{
		{"unsigned", url.Values{"openid": {openid}}},
		{"no ts", url.Values{"openid": {openid}, "sig": {good}}},
		{"forged with another secret", url.Values{"openid": {openid}, "ts": {fresh}, "sig": {sign(strings.Repeat("x", 32), qr.OutTradeNo, openid, fresh)}}},
		{"another openid", url.Values{"openid": {"oMadeUpOpenID0000000000000000"}, "ts": {fresh}, "sig": {good}}},
		{"ts changed", url.Values{"openid": {openid}, "ts": {ts(0)}, "sig": {good}}},
		{"signed for another order", url.Values{"openid": {openid}, "ts": {fresh}, "sig": {sign(oauthSecret, other.OutTradeNo, openid, fresh)}}},
		{"stale", url.Values{"openid": {openid}, "ts": {ts(-6 * time.Minute)}, "sig": {sign(oauthSecret, qr.OutTradeNo, openid, ts(-6*time.Minute))}}},
		{"from the future", url.Values{"openid": {openid}, "ts": {ts(3 * time.Minute)}, "sig": {sign(oauthSecret, qr.OutTradeNo, openid, ts(3*time.Minute))}}},
		{"sig not hex", url.Values{"openid": {openid}, "ts": {fresh}, "sig": {"zz" + good[2:]}}},
		{"sig truncated", url.Values{"openid": {openid}, "ts": {fresh}, "sig": {good[:40]}}},
		{"openid with a newline", url.Values{"openid": {openid + "\n" + qr.OutTradeNo}, "ts": {fresh}, "sig": {good}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := newPhone(t, wechatUA).get(callback(c.q))
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("HTTP %d, want 403", resp.StatusCode)
			}
			clearPage(t, resp, body, "Sign-in could not be confirmed", "無法確認登入", "Nothing was charged")
		})
	}
	if n := payments(); n != 0 {
		t.Errorf("%d payments sent to QFPay for refused openids", n)
	}
	if n := len(r.attemptsOf(qr.OutTradeNo)); n != 0 {
		t.Errorf("%d attempts for refused openids", n)
	}

	// Signed a minute ago (or a little ahead, clocks differ): taken, once.
	for _, d := range []time.Duration{-time.Minute, 30 * time.Second} {
		q := url.Values{"openid": {openid}, "ts": {ts(d)}, "sig": {sign(oauthSecret, qr.OutTradeNo, openid, ts(d))}}
		resp, body := newPhone(t, wechatUA).get(callback(q))
		if resp.Request.URL.Path != "/jsapi/pay" {
			t.Fatalf("signed %s: ended at %s (HTTP %d): %s", d, resp.Request.URL, resp.StatusCode, body)
		}
	}
	if n := payments(); n != 2 {
		t.Errorf("%d payments sent to QFPay, want 2", n)
	}
	// The same signed URL again: not a new payment.
	q := url.Values{"openid": {openid}, "ts": {fresh}, "sig": {good}}
	newPhone(t, wechatUA).get(callback(q))
	resp, body := newPhone(t, wechatUA).get(callback(q))
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("replayed signed openid: HTTP %d, want 409", resp.StatusCode)
	}
	clearPage(t, resp, body, "This link was already used", "Check my payment")
	if n := payments(); n != 3 {
		t.Errorf("%d payments sent to QFPay, want 3", n)
	}
}
