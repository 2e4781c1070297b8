package checkout_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// TestNotificationOfALateJSAPIPayment: a JSAPI attempt paid after its sale
// ended, learned of through a verified notification, is reported as the
// poll path reports it: an error in the log and a note on the sale's QR
// order.
func TestNotificationOfALateJSAPIPayment(t *testing.T) {
	r := newRig(t, nil)
	g, logs := r.gated()
	sale, ev := r.start(t, 900)
	qr := waitQR(t, ev)
	a := r.attempt(t, qr.OutTradeNo)
	g.cutOff(a.OutTradeNo)
	sale.Cancel()
	if final := waitFinal(t, sale); final.State != store.StateUnknown {
		t.Fatalf("final = %+v, want unknown", final)
	}
	if err := r.srv.Pay(a.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	v, ok := r.srv.Order(a.OutTradeNo)
	if !ok {
		t.Fatal("the sandbox has no attempt")
	}
	n := &payment.Notification{NotifyType: "payment", OutTradeNo: a.OutTradeNo, SysSN: v.SysSN, PayType: payment.PayTypeWeChatJSAPI, Amount: 900, Currency: "HKD", RespCd: "0000"}
	for range 2 { // QFPay repeats notifications: one report
		if err := r.eng.HandleNotification(n); err != nil {
			t.Fatal(err)
		}
	}
	if o := r.order(t, a.OutTradeNo); o.State != store.StatePaid {
		t.Fatalf("attempt = %s, want paid", o.State)
	}
	p := r.order(t, qr.OutTradeNo)
	notes := 0
	for _, h := range p.History {
		if strings.Contains(h.Cause, "paid as attempt "+a.OutTradeNo+" after the sale ended") {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("the sale's QR order has %d notes of the late payment, want 1: %+v", notes, p.History)
	}
	if got := strings.Count(logs.String(), "level=ERROR msg=\"a WeChat JSAPI attempt was paid after its sale ended"); got != 1 {
		t.Errorf("%d errors logged, want 1:\n%s", got, logs)
	}
	ms, err := r.eng.Reconcile(context.Background(), r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].OutTradeNo != a.OutTradeNo {
		t.Errorf("mismatches = %+v, want the late attempt", ms)
	}
}

// TestNotifyHandlerRefusesALargeBody: a body over 64 KiB is refused with
// 413, not cut short and checked.
func TestNotifyHandlerRefusesALargeBody(t *testing.T) {
	r := newRig(t, nil)
	srv := httptest.NewServer(r.eng.NotifyHandler(r.client.VerifyNotification))
	defer srv.Close()
	body := []byte(`{"notify_type": "payment", "pad": "` + strings.Repeat("x", 1<<16) + `"}`)
	req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
	req.Header.Set("X-QF-SIGN", payment.BodySignature(body, sandbox.DefaultClientKey))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte notification: HTTP %d, want 413", len(body), resp.StatusCode)
	}
}
