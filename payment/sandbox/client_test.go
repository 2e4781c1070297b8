package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment"
)

// These tests drive every payment.Client call against the sandbox, so
// that the client and the fake agree on the API.

func newClient(t *testing.T, e *env, opts ...payment.Option) *payment.Client {
	t.Helper()
	base := []payment.Option{payment.WithLocation(hkt), payment.WithDirectURL(e.url + "/q/direct"), payment.WithTimeout(5 * time.Second)}
	c, err := payment.NewClient(e.url, e.app, e.key, append(base, opts...)...)
	must(t, err)
	return c
}

func qfErr(t *testing.T, err error) *payment.Error {
	t.Helper()
	var pe *payment.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *payment.Error", err, err)
	}
	return pe
}

func (e *env) status(t *testing.T, c *payment.Client, out string) payment.Status {
	t.Helper()
	q, err := c.Query(context.Background(), payment.QueryRequest{OutTradeNo: []string{out}})
	must(t, err)
	if len(q.Records) != 1 {
		t.Fatalf("query %s: %d records", out, len(q.Records))
	}
	return q.Records[0].Status()
}

func TestClientPaymentLifecycle(t *testing.T) {
	ctx := context.Background()
	for _, st := range []payment.SignType{payment.SignMD5, payment.SignSHA256} {
		t.Run(string(st), func(t *testing.T) {
			e := newEnv(t, Config{})
			c := newClient(t, e, payment.WithSignType(st))
			create := func(out string, amount int64) *payment.PaymentResponse {
				t.Helper()
				r, err := c.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: out, Amount: amount, Currency: "HKD", Time: e.clock.Now(), GoodsName: "Tea", ExpiredMinutes: 10})
				must(t, err)
				return r
			}
			r := create("CL1", 2500)
			if r.RespCd != "0000" || len(r.SysSN) != 26 || r.QRCode != e.url+"/sandbox/pay/CL1" || r.Amount != 2500 || r.PayType != "800201" {
				t.Fatalf("create: %+v", r)
			}
			if s := e.status(t, c, "CL1"); s != payment.StatusPending {
				t.Errorf("new order: %s", s)
			}
			_, err := c.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: "CL1", Amount: 2500, Currency: "HKD", Time: e.clock.Now()})
			if pe := qfErr(t, err); pe.RespCd != "1102" || !pe.Unknown() {
				t.Errorf("reuse: %v (unknown %v)", err, pe.Unknown())
			}

			// Pay on the payer page the qrcode leads to.
			if resp, _ := e.page("POST", r.QRCode, url.Values{"action": {"pay"}}); resp.StatusCode != 200 {
				t.Fatalf("pay page: %d", resp.StatusCode)
			}
			if s := e.status(t, c, "CL1"); s != payment.StatusPaid {
				t.Errorf("paid order: %s", s)
			}

			// Close and Cancel of a paid order are refused; the order stays paid.
			cr, err := c.Close(ctx, payment.CancelRequest{OutTradeNo: "CL1", Amount: 2500, Time: e.clock.Now()})
			if pe := qfErr(t, err); pe.RespCd != "1297" || cr == nil || cr.RespCd != "1297" {
				t.Errorf("close paid: %v %+v", err, cr)
			}
			_, err = c.Cancel(ctx, payment.CancelRequest{SysSN: r.SysSN, Amount: 2500, Time: e.clock.Now()})
			if pe := qfErr(t, err); pe.RespCd != "1260" {
				t.Errorf("cancel paid (close, then reversal): %v", err)
			}
			_, err = c.Reversal(ctx, payment.CancelRequest{SysSN: r.SysSN, Amount: 2500, Time: e.clock.Now()})
			if pe := qfErr(t, err); pe.RespCd != "1260" || pe.Unknown() {
				t.Errorf("reversal paid: %v", err)
			}
			if s := e.status(t, c, "CL1"); s != payment.StatusPaid {
				t.Errorf("after refused cancels: %s", s)
			}

			// Partial, then full refund; then nothing left.
			rf, err := c.Refund(ctx, payment.RefundRequest{SysSN: r.SysSN, OutTradeNo: "CL1-R1", Amount: 1000, Time: e.clock.Now()})
			must(t, err)
			if rf.OrigSysSN != r.SysSN || rf.Amount != 1000 || rf.SysSN == "" {
				t.Errorf("refund: %+v", rf)
			}
			if s := e.status(t, c, "CL1"); s != payment.StatusPartlyRefund {
				t.Errorf("after partial refund: %s", s)
			}
			_, err = c.Refund(ctx, payment.RefundRequest{SysSN: r.SysSN, OutTradeNo: "CL1-R2", Amount: 1501, Time: e.clock.Now()})
			if pe := qfErr(t, err); pe.RespCd != "1272" || pe.Unknown() {
				t.Errorf("over-refund: %v", err)
			}
			_, err = c.Refund(ctx, payment.RefundRequest{SysSN: r.SysSN, OutTradeNo: "CL1-R3", Amount: 1500, Time: e.clock.Now()})
			must(t, err)
			if s := e.status(t, c, "CL1"); s != payment.StatusRefunded {
				t.Errorf("after full refund: %s", s)
			}
			if s := e.status(t, c, "CL1-R1"); s != payment.StatusRefunded {
				t.Errorf("refund record: %s", s)
			}
			_, err = c.Refund(ctx, payment.RefundRequest{SysSN: r.SysSN, OutTradeNo: "CL1-R4", Amount: 1, Time: e.clock.Now()})
			if pe := qfErr(t, err); pe.RespCd != "1125" {
				t.Errorf("refund of refunded: %v", err)
			}

			// Close, Reversal and Cancel of unpaid orders.
			for i, cancel := range []func(context.Context, payment.CancelRequest) (*payment.CancelResponse, error){c.Close, c.Reversal, c.Cancel} {
				out := fmt.Sprintf("CL2-%d", i)
				p := create(out, 300)
				resp, err := cancel(ctx, payment.CancelRequest{OutTradeNo: out, Amount: 300, Time: e.clock.Now()})
				must(t, err)
				if resp.OrigSysSN != p.SysSN || resp.SysSN == "" {
					t.Errorf("cancel %d: %+v", i, resp)
				}
				if s := e.status(t, c, out); s != payment.StatusClosed {
					t.Errorf("cancel %d: %s", i, s)
				}
			}
			_, err = c.Close(ctx, payment.CancelRequest{OutTradeNo: "NOPE", Amount: 300, Time: e.clock.Now()})
			if pe := qfErr(t, err); pe.RespCd != "1136" {
				t.Errorf("close unknown: %v", err)
			}

			// Declined, expired, paid later.
			create("CL3", 100)
			must(t, e.s.Decline("CL3"))
			create("CL4", 100)
			create("CL5", 100)
			must(t, e.s.PayAfter("CL5", 9*time.Minute))
			e.clock.Advance(9 * time.Minute)
			if s := e.status(t, c, "CL5"); s != payment.StatusPaid {
				t.Errorf("paid after 9 minutes: %s", s)
			}
			e.clock.Advance(time.Minute)
			for out, want := range map[string]payment.Status{"CL3": payment.StatusFailed, "CL4": payment.StatusExpired} {
				if s := e.status(t, c, out); s != want {
					t.Errorf("%s: %s, want %s", out, s, want)
				}
			}
		})
	}
}

func TestClientQueryRange(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{})
	c := newClient(t, e)
	at := time.Date(2026, 2, 27, 9, 0, 0, 0, hkt)
	e.clock.Set(at)
	for i := range 230 {
		if i == 130 {
			e.clock.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, hkt))
		}
		_, err := c.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: fmt.Sprintf("QR%03d", i), Amount: 100, Currency: "HKD", Time: e.clock.Now()})
		must(t, err)
		e.clock.Advance(time.Second)
	}
	recs, err := c.QueryRange(ctx, time.Date(2026, 2, 1, 0, 0, 0, 0, hkt), time.Date(2026, 3, 31, 23, 59, 59, 0, hkt), payment.QueryRequest{})
	must(t, err)
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.OutTradeNo] = true
	}
	if len(recs) != 230 || len(seen) != 230 {
		t.Errorf("QueryRange: %d records, %d distinct, want 230", len(recs), len(seen))
	}
	recs, err = c.QueryRange(ctx, time.Date(2026, 3, 1, 0, 0, 0, 0, hkt), time.Date(2026, 3, 31, 0, 0, 0, 0, hkt), payment.QueryRequest{OutTradeNo: []string{"QR000", "QR200"}})
	must(t, err)
	if len(recs) != 1 || recs[0].OutTradeNo != "QR200" {
		t.Errorf("filtered QueryRange: %+v", recs)
	}
	// The sandbox refuses the over-a-month range the client never sends.
	_, err = c.Query(ctx, payment.QueryRequest{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, hkt), End: time.Date(2026, 3, 1, 0, 0, 0, 0, hkt)})
	if pe := qfErr(t, err); pe.RespCd != "1104" {
		t.Errorf("two-month Query: %v", err)
	}
}

func TestClientJSAPI(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{MchID: "MCH42"})
	c := newClient(t, e, payment.WithMchID("MCH42"))

	resp, body := e.page("GET", c.OAuthCodeURL("https://shop.example/wx?table=7"), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("OAuthCodeURL: HTTP %d %s", resp.StatusCode, body)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	must(t, err)
	if back.Host != "shop.example" || back.Query().Get("table") != "7" {
		t.Errorf("redirect %s", back)
	}
	code := back.Query().Get("code")
	openid, err := c.OpenID(ctx, code)
	must(t, err)
	if !strings.HasPrefix(openid, "o") {
		t.Errorf("openid %q", openid)
	}
	_, err = c.OpenID(ctx, code)
	if pe := qfErr(t, err); pe.RespCd != "1104" || pe.Unknown() {
		t.Errorf("second OpenID: %v", err)
	}

	r, err := c.CreatePayment(ctx, payment.PaymentRequest{PayType: payment.PayTypeWeChatJSAPI, SubOpenID: openid, OutTradeNo: "JS1", Amount: 4200, Currency: "HKD", Time: e.clock.Now(), GoodsName: "Noodles"})
	must(t, err)
	if r.PayParams == nil || !strings.HasPrefix(r.PayParams.Package, "prepay_id=") || r.QRCode != "" {
		t.Fatalf("800207: %+v", r)
	}
	direct := c.DirectURL(*r.PayParams, payment.DirectInfo{MerchantName: "Noodle Bar", Amount: 4200, Currency: "HKD", GoodsName: "Noodles", RedirectURL: "https://shop.example/thanks"})
	resp, body = e.page("GET", direct, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Noodle Bar") || !strings.Contains(body, "HK$42.00") {
		t.Fatalf("DirectURL page: HTTP %d\n%s", resp.StatusCode, body)
	}
	// No merchant name: the page still opens (mchntnm is required), with
	// the client's default name.
	unnamed := c.DirectURL(*r.PayParams, payment.DirectInfo{Amount: 4200, Currency: "HKD", RedirectURL: "https://shop.example/thanks"})
	if resp, body := e.page("GET", unnamed, nil); resp.StatusCode != 200 || !strings.Contains(body, payment.DefaultMerchantName) {
		t.Errorf("DirectURL page without a merchant name: HTTP %d\n%s", resp.StatusCode, body)
	}
	resp, _ = e.page("POST", direct, url.Values{"action": {"pay"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://shop.example/thanks" {
		t.Errorf("pay: HTTP %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if s := e.status(t, c, "JS1"); s != payment.StatusPaid {
		t.Errorf("after /q/direct pay: %s", s)
	}

	// Without the mchid the sandbox was configured with, calls are refused.
	bare := newClient(t, e)
	_, err = bare.Query(ctx, payment.QueryRequest{OutTradeNo: []string{"JS1"}})
	if pe := qfErr(t, err); pe.RespCd != "1104" {
		t.Errorf("query without mchid: %v", err)
	}
}

func TestClientFaultsAreUnknown(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fault   Fault
		created bool
	}{
		{"server error", Fault{Kind: FaultServerError}, false},
		{"server error after creating", Fault{Kind: FaultServerError, Processed: true}, true},
		{"rate limited", Fault{Kind: FaultRateLimit}, false},
		{"malformed", Fault{Kind: FaultMalformed, Processed: true}, true},
		{"dropped", Fault{Kind: FaultDrop}, false},
		{"created, then dropped", Fault{Kind: FaultDrop, Processed: true}, true},
		{"pending 1143", Fault{Kind: FaultPending}, true},
		{"pending 1145 without qrcode", Fault{Kind: FaultPending, RespCd: "1145", NoQRCode: true}, true},
		{"timeout", Fault{Kind: FaultLatency, Delay: time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			c := newClient(t, e, payment.WithTimeout(300*time.Millisecond))
			e.s.SetFaults(Faults{Payment: []Fault{tt.fault}})
			resp, err := c.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: "U1", Amount: 100, Currency: "HKD", Time: e.clock.Now()})
			if err == nil {
				t.Fatalf("no error: %+v", resp)
			}
			if !payment.IsUnknown(err) {
				t.Errorf("%v is not unknown", err)
			}
			if tt.fault.Kind == FaultPending && (resp == nil || (resp.QRCode != "") == tt.fault.NoQRCode || resp.SysSN == "") {
				t.Errorf("pending answer %+v", resp)
			}
			if tt.fault.Kind == FaultLatency {
				time.Sleep(tt.fault.Delay) // the sandbox carries the request out after the client gave up
			}
			// What a careful client does next: query by out_trade_no.
			q, err := c.Query(ctx, payment.QueryRequest{OutTradeNo: []string{"U1"}})
			must(t, err)
			if (len(q.Records) == 1) != tt.created {
				t.Errorf("after the fault: %d records, created %v", len(q.Records), tt.created)
			}
		})
	}

	t.Run("queries are retried", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := newClient(t, e)
		e.s.SetFaults(Faults{Query: []Fault{{Kind: FaultServerError}, {Kind: FaultRateLimit, RetryAfter: time.Second}, {Kind: FaultDrop}}})
		start := time.Now()
		_, err := c.Query(ctx, payment.QueryRequest{OutTradeNo: []string{"X"}})
		must(t, err)
		if time.Since(start) < time.Second {
			t.Errorf("Retry-After not honoured: %v", time.Since(start))
		}
		if f := e.s.Faults(); f.Query != nil {
			t.Errorf("faults left: %+v", f)
		}
	})
	t.Run("query without retries", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := newClient(t, e, payment.WithRetries(0))
		e.s.SetFaults(Faults{Query: []Fault{{Kind: FaultServerError, Status: 502}}})
		_, err := c.Query(ctx, payment.QueryRequest{OutTradeNo: []string{"X"}})
		if pe := qfErr(t, err); pe.HTTPStatus != 502 || !pe.Unknown() || !pe.Retryable() {
			t.Errorf("502: %v", err)
		}
	})
	t.Run("openid drop is seen, not replayed", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := newClient(t, e)
		_, err := c.Query(ctx, payment.QueryRequest{}) // leaves a keep-alive connection to reuse
		must(t, err)
		e.s.SetFaults(Faults{OpenID: []Fault{{Kind: FaultDrop, Processed: true}}})
		_, err = c.OpenID(ctx, e.oauthCode())
		if err == nil || !payment.IsUnknown(err) {
			t.Errorf("dropped OpenID: %v", err)
		}
	})
	t.Run("close and refund lost after doing it", func(t *testing.T) {
		e := newEnv(t, Config{})
		c := newClient(t, e)
		_, err := c.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: "D1", Amount: 100, Currency: "HKD", Time: e.clock.Now()})
		must(t, err)
		e.s.SetFaults(Faults{Close: []Fault{{Kind: FaultDrop, Processed: true}}})
		_, err = c.Close(ctx, payment.CancelRequest{OutTradeNo: "D1", Amount: 100, Time: e.clock.Now()})
		if !payment.IsUnknown(err) {
			t.Errorf("dropped close: %v", err)
		}
		if s := e.status(t, c, "D1"); s != payment.StatusClosed {
			t.Errorf("after dropped close: %s", s)
		}

		_, err = c.CreatePayment(ctx, payment.PaymentRequest{OutTradeNo: "D2", Amount: 100, Currency: "HKD", Time: e.clock.Now()})
		must(t, err)
		must(t, e.s.Pay("D2"))
		d2, _ := e.s.Order("D2")
		e.s.SetFaults(Faults{Refund: []Fault{{Kind: FaultMalformed, Processed: true}}})
		_, err = c.Refund(ctx, payment.RefundRequest{SysSN: d2.SysSN, OutTradeNo: "D2-R", Amount: 100, Time: e.clock.Now()})
		if !payment.IsUnknown(err) {
			t.Errorf("malformed refund answer: %v", err)
		}
		if s := e.status(t, c, "D2"); s != payment.StatusRefunded {
			t.Errorf("after lost refund answer: %s", s)
		}
	})
}
