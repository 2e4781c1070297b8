package payment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNewClient(t *testing.T) {
	const key = "SECRET-KEY-0123456789"
	tests := []struct {
		name, base, app, key string
		opts                 []Option
		wantBase, wantDirect string
		wantErr              bool
	}{
		{name: "region", base: "hk", app: "A", key: key, wantBase: "https://openapi-hk.qfapi.com", wantDirect: "https://o2-hk.qfapi.com/q/direct"},
		{name: "region URL", base: "https://openapi.qfpay.com/", app: "A", key: key, wantBase: "https://openapi.qfpay.com", wantDirect: "https://o2.qfpay.com/q/direct"},
		{name: "region without direct page", base: "jp", app: "A", key: key, wantBase: "https://openapi-jp.qfapi.com", wantDirect: DefaultDirectURL},
		{name: "loopback", base: "http://127.0.0.1:8080", app: "A", key: key, wantBase: "http://127.0.0.1:8080", wantDirect: DefaultDirectURL},
		{name: "path prefix", base: "http://localhost:9/api/", app: "A", key: key, wantBase: "http://localhost:9/api", wantDirect: DefaultDirectURL},
		{name: "direct option", base: "hk", app: "A", key: key, opts: []Option{WithDirectURL("http://localhost:1/q/direct")}, wantBase: "https://openapi-hk.qfapi.com", wantDirect: "http://localhost:1/q/direct"},
		{name: "no base", base: "", app: "A", key: key, wantErr: true},
		{name: "plain http", base: "http://example.com", app: "A", key: key, wantErr: true},
		{name: "no app code", base: "hk", app: " ", key: key, wantErr: true},
		{name: "no key", base: "hk", app: "A", key: "", wantErr: true},
		{name: "bad sign type", base: "hk", app: "A", key: key, opts: []Option{WithSignType("SHA1")}, wantErr: true},
		{name: "bad direct URL", base: "hk", app: "A", key: key, opts: []Option{WithDirectURL("o2/q/direct")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.base, tt.app, tt.key, tt.opts...)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if strings.Contains(err.Error(), key) {
					t.Errorf("error shows the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tt.wantBase || c.directURL != tt.wantDirect {
				t.Errorf("base %q direct %q, want %q %q", c.BaseURL(), c.directURL, tt.wantBase, tt.wantDirect)
			}
			if c.Location() != DefaultZone || c.timeout != DefaultTimeout || c.retries != DefaultRetries || c.signType != SignMD5 {
				t.Errorf("defaults: %v %v %d %s", c.Location(), c.timeout, c.retries, c.signType)
			}
			for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
				if strings.Contains(s, key) {
					t.Errorf("formatted client shows the key: %s", s)
				}
			}
		})
	}
}

func TestOptions(t *testing.T) {
	hc := &http.Client{}
	c, err := NewClient("hk", "A", "K", WithHTTPClient(hc), WithHTTPClient(nil), WithLocation(hkt), WithLocation(nil),
		WithTimeout(time.Second), WithTimeout(-1), WithRetries(-5), WithMchID(" M1 "), WithSignType(SignSHA256),
		WithLogger(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.hc == hc || c.hc.Transport != hc.Transport || c.hc.CheckRedirect == nil || hc.CheckRedirect != nil {
		t.Errorf("http client: not a copy that never follows redirects")
	}
	if c.Location() != hkt || c.timeout != time.Second || c.retries != 0 || c.mchID != "M1" || c.signType != SignSHA256 || c.log == nil {
		t.Errorf("options not applied: %+v", *c)
	}
}

func TestCreatePayment(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 4, 0, 0, 0, time.UTC) // 12:00:00 in HKT
	tests := []struct {
		name     string
		signType SignType
		mchID    string
		req      PaymentRequest
		answer   string
		want     map[string]string
		check    func(t *testing.T, r *PaymentResponse)
	}{
		{
			name: "800201 MD5 without mchid",
			req: PaymentRequest{OutTradeNo: "POS1", Amount: 1000, Currency: "HKD", Time: t0, ExpiredMinutes: 10,
				GoodsName: "咖啡 & cake", UDID: "till-1", LimitPay: "no_credit", NotifyURL: "https://pos.example/n?a=1&b=2"},
			answer: `{"sysdtm":"2024-01-01 12:00:01","paydtm":"","txcurrcd":"HKD","respmsg":"OK","qrcode":"weixin://wxpay/bizpayurl?pr=4PsXP5N",
				"pay_type":"800201","cardcd":"","udid":"till-1","txdtm":"2024-01-01 12:00:00","txamt":"1000","resperr":"success",
				"out_trade_no":"POS1","syssn":"20240101000300020086358791","respcd":"0000","chnlsn":""}`,
			want: map[string]string{"txamt": "1000", "txcurrcd": "HKD", "pay_type": "800201", "out_trade_no": "POS1",
				"txdtm": "2024-01-01 12:00:00", "expired_time": "10", "goods_name": "咖啡 & cake", "udid": "till-1",
				"limit_pay": "no_credit", "notify_url": "https://pos.example/n?a=1&b=2"},
			check: func(t *testing.T, r *PaymentResponse) {
				want := PaymentResponse{Result: Result{RespCd: "0000", RespErr: "success", RespMsg: "OK"},
					SysSN: "20240101000300020086358791", OutTradeNo: "POS1", PayType: "800201", Amount: 1000, Currency: "HKD",
					TxDtm: "2024-01-01 12:00:00", SysDtm: "2024-01-01 12:00:01", QRCode: "weixin://wxpay/bizpayurl?pr=4PsXP5N"}
				if fmt.Sprint(*r) != fmt.Sprint(want) {
					t.Errorf("response\n got %+v\nwant %+v", *r, want)
				}
			},
		},
		{
			name:   "800201 MD5 with mchid, no expiry",
			mchID:  "R1zQrTdJnn",
			req:    PaymentRequest{PayType: "800201", OutTradeNo: "POS2", Amount: 20, Currency: "HKD", Time: t0},
			answer: `{"respcd":"0000","qrcode":"weixin://x","syssn":"S2","txamt":20}`,
			want:   map[string]string{"txamt": "20", "txcurrcd": "HKD", "pay_type": "800201", "out_trade_no": "POS2", "txdtm": "2024-01-01 12:00:00", "mchid": "R1zQrTdJnn"},
			check: func(t *testing.T, r *PaymentResponse) {
				if r.QRCode != "weixin://x" || r.SysSN != "S2" || r.Amount != 20 || r.PayParams != nil {
					t.Errorf("response %+v", *r)
				}
			},
		},
		{
			name:     "800207 SHA256 with mchid and sub_openid",
			signType: SignSHA256,
			mchID:    "M9",
			req: PaymentRequest{PayType: PayTypeWeChatJSAPI, OutTradeNo: "POS3", Amount: 300, Currency: "HKD", Time: t0,
				SubOpenID: "oo3Lss8d0hLOuyTuSJMVwLTk68JE", ExtendInfo: `{"user_truename":"\u5c0f\u6797"}`},
			answer: `{"respcd":"0000","syssn":"S3","pay_params":{"appId":"wx1","timeStamp":1712345678,"nonceStr":"n1",
				"package":"prepay_id=wx2","signType":"MD5","paySign":"a+b/c=="}}`,
			want: map[string]string{"txamt": "300", "txcurrcd": "HKD", "pay_type": "800207", "out_trade_no": "POS3",
				"txdtm": "2024-01-01 12:00:00", "mchid": "M9", "sub_openid": "oo3Lss8d0hLOuyTuSJMVwLTk68JE",
				"extend_info": `{"user_truename":"\u5c0f\u6797"}`},
			check: func(t *testing.T, r *PaymentResponse) {
				want := PayParams{AppID: "wx1", TimeStamp: "1712345678", NonceStr: "n1", Package: "prepay_id=wx2", SignType: "MD5", PaySign: "a+b/c=="}
				if r.PayParams == nil || *r.PayParams != want {
					t.Errorf("pay_params %+v, want %+v", r.PayParams, want)
				}
			},
		},
		{
			name: "800207 pay_params as a string",
			req:  PaymentRequest{PayType: PayTypeWeChatJSAPI, OutTradeNo: "POS4", Amount: 1, Currency: "HKD", Time: t0, SubOpenID: "o1"},
			answer: `{"respcd":"0000","syssn":"S4","pay_params":"{\"appId\":\"wx1\",\"timeStamp\":\"17\",\"nonceStr\":\"n\",` +
				`\"package\":\"prepay_id=p\",\"signType\":\"MD5\",\"paySign\":\"S\"}"}`,
			want: map[string]string{"txamt": "1", "txcurrcd": "HKD", "pay_type": "800207", "out_trade_no": "POS4",
				"txdtm": "2024-01-01 12:00:00", "sub_openid": "o1"},
			check: func(t *testing.T, r *PaymentResponse) {
				if r.PayParams == nil || r.PayParams.Package != "prepay_id=p" || r.PayParams.TimeStamp != "17" {
					t.Errorf("pay_params %+v", r.PayParams)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) { reply(w, tt.answer) })
			f.signType, f.mchID = tt.signType, tt.mchID
			if f.signType == "" {
				f.signType = SignMD5
			}
			c, _ := f.client()
			resp, err := c.CreatePayment(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			s := f.last()
			if s.method != http.MethodPost || s.path != "/trade/v1/payment" {
				t.Errorf("%s %s", s.method, s.path)
			}
			wantForm(t, s.form, tt.want)
			tt.check(t, resp)
		})
	}
}

// TestCreatePaymentV5 checks the signature sent against vector V5.
func TestCreatePaymentV5(t *testing.T) {
	sigs := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sigs <- r.Header.Get("X-QF-SIGN")
		reply(w, `{"respcd":"0000","qrcode":"q"}`)
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, testApp, v5Key, WithLocation(hkt))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreatePayment(context.Background(), PaymentRequest{OutTradeNo: "POS20240101120000001", Amount: 1000,
		Currency: "HKD", GoodsName: "咖啡", Time: time.Date(2024, 1, 1, 4, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if sig := <-sigs; sig != v5MD5 {
		t.Errorf("X-QF-SIGN = %s, want %s", sig, v5MD5)
	}
}

func TestCreatePaymentInvalid(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) { reply(w, `{"respcd":"0000"}`) })
	c, _ := f.client()
	ok := PaymentRequest{OutTradeNo: "A", Amount: 1, Currency: "HKD"}
	tests := map[string]func(r *PaymentRequest){
		"no out_trade_no":       func(r *PaymentRequest) { r.OutTradeNo = "" },
		"zero amount":           func(r *PaymentRequest) { r.Amount = 0 },
		"no currency":           func(r *PaymentRequest) { r.Currency = "" },
		"negative expiry":       func(r *PaymentRequest) { r.ExpiredMinutes = -1 },
		"800207 without openid": func(r *PaymentRequest) { r.PayType = PayTypeWeChatJSAPI },
	}
	for name, mod := range tests {
		r := ok
		mod(&r)
		_, err := c.CreatePayment(context.Background(), r)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrInvalidRequest) || e.Unknown() || e.Retryable() {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if n := f.hits(pathPayment); n != 0 {
		t.Errorf("%d invalid requests sent", n)
	}
	// A zero Time means now, in the client's location.
	c.now = func() time.Time { return time.Date(2030, 5, 6, 1, 2, 3, 0, time.UTC) }
	if _, err := c.CreatePayment(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	if got := f.last().form.Get("txdtm"); got != "2030-05-06 09:02:03" {
		t.Errorf("txdtm %q", got)
	}
}

func TestCreatePaymentPendingCarriesResponse(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		reply(w, `{"respcd":"1143","resperr":"not paid","qrcode":"weixin://q","syssn":"S1","txamt":"5"}`)
	})
	c, _ := f.client()
	resp, err := c.CreatePayment(context.Background(), PaymentRequest{OutTradeNo: "A", Amount: 5, Currency: "HKD"})
	var e *Error
	if !errors.As(err, &e) || e.RespCd != "1143" || !e.Unknown() || e.Op != "payment" {
		t.Fatalf("err %#v", err)
	}
	if resp == nil || resp.QRCode != "weixin://q" || resp.SysSN != "S1" || resp.RespCd != "1143" {
		t.Fatalf("response %+v", resp)
	}
}

func TestQuery(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		reply(w, `{"respcd":"0000","resperr":"请求成功","respmsg":"","page":"2","page_size":50,
			"data":[{"pay_type":"800201","sysdtm":"2018-07-24 12:30:57","paydtm":"","txcurrcd":"CNY",
			"txdtm":"2018-07-24 13:31:03","txamt":"1","chnlsn":"","out_trade_no":"923500563158",
			"syssn":"20180724000200020076586895","cancel":"0","respcd":"1143",
			"errmsg":"订单还未支付，或者正在输入密码中","order_type":"payment","extra":{"x":[1,2]}},
			{"syssn":"R1","order_type":"refund","origssn":"20180724000200020076586895","txamt":1,"cancel":0,"respcd":0000,"udid":"u","goods_name":"g"}]}`)
	})
	f.mchID = "M1"
	c, _ := f.client()
	resp, err := c.Query(context.Background(), QueryRequest{
		SysSN:      []string{"S1", "", " S2 "},
		OutTradeNo: []string{"O1", "O2"},
		PayType:    []string{"800201", "800207"},
		RespCd:     "0000",
		Start:      time.Date(2024, 1, 31, 16, 0, 0, 0, time.UTC),
		End:        time.Date(2024, 2, 29, 23, 59, 59, 0, hkt),
		Page:       2,
		PageSize:   50,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := f.last()
	if s.method != http.MethodPost || s.path != "/trade/v1/query" {
		t.Errorf("%s %s", s.method, s.path)
	}
	wantForm(t, s.form, map[string]string{"syssn": "S1,S2", "out_trade_no": "O1,O2", "pay_type": "800201,800207",
		"respcd": "0000", "start_time": "2024-02-01 00:00:00", "end_time": "2024-02-29 23:59:59", "page": "2", "page_size": "50", "mchid": "M1"})
	if resp.Page != 2 || resp.PageSize != 50 || resp.RespErr != "请求成功" || len(resp.Records) != 2 {
		t.Fatalf("response %+v", resp)
	}
	want0 := Record{SysSN: "20180724000200020076586895", OutTradeNo: "923500563158", OrderType: "payment", PayType: "800201",
		Amount: 1, Currency: "CNY", TxDtm: "2018-07-24 13:31:03", SysDtm: "2018-07-24 12:30:57", RespCd: "1143",
		ErrMsg: "订单还未支付，或者正在输入密码中"}
	if resp.Records[0] != want0 {
		t.Errorf("record 0\n got %+v\nwant %+v", resp.Records[0], want0)
	}
	want1 := Record{SysSN: "R1", OrderType: "refund", OrigSysSN: "20180724000200020076586895", Amount: 1, RespCd: "0000", UDID: "u", GoodsName: "g"}
	if resp.Records[1] != want1 {
		t.Errorf("record 1\n got %+v\nwant %+v", resp.Records[1], want1)
	}
	if resp.Records[0].Status() != StatusPending || resp.Records[1].Status() != StatusRefunded {
		t.Errorf("statuses %s %s", resp.Records[0].Status(), resp.Records[1].Status())
	}
}

func TestQueryEmpty(t *testing.T) {
	for _, body := range []string{`{"respcd":"0000","data":[]}`, `{"respcd":"0000"}`, `{"respcd":"0000","data":null,"page":1}`} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) { reply(w, body) })
		c, _ := f.client()
		resp, err := c.Query(context.Background(), QueryRequest{OutTradeNo: []string{"X"}})
		if err != nil || len(resp.Records) != 0 {
			t.Errorf("%s: %+v, %v", body, resp, err)
		}
		wantForm(t, f.last().form, map[string]string{"out_trade_no": "X"})
	}
}

func TestQueryInvalid(t *testing.T) {
	c, _ := NewClient("hk", "A", "K")
	for _, q := range []QueryRequest{{Page: -1}, {PageSize: 101}, {PageSize: -1},
		{Start: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		if _, err := c.Query(context.Background(), q); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

func TestMonths(t *testing.T) {
	c, _ := NewClient("hk", "A", "K", WithLocation(hkt))
	at := func(y int, m time.Month, d, h, mi, s int) time.Time { return time.Date(y, m, d, h, mi, s, 0, hkt) }
	tests := []struct {
		start, end time.Time
		want       []string
	}{
		{at(2024, 1, 20, 10, 0, 0), at(2024, 3, 5, 8, 0, 0), []string{
			"2024-01-20 10:00:00/2024-01-31 23:59:59", "2024-02-01 00:00:00/2024-02-29 23:59:59", "2024-03-01 00:00:00/2024-03-05 08:00:00"}},
		{at(2023, 12, 31, 23, 0, 0), at(2024, 1, 1, 0, 0, 0), []string{
			"2023-12-31 23:00:00/2023-12-31 23:59:59", "2024-01-01 00:00:00/2024-01-01 00:00:00"}},
		{at(2024, 5, 5, 5, 5, 5), at(2024, 5, 5, 5, 5, 5), []string{"2024-05-05 05:05:05/2024-05-05 05:05:05"}},
		// Given in UTC, split in the client's location.
		{time.Date(2024, 1, 31, 15, 0, 0, 0, time.UTC), time.Date(2024, 1, 31, 17, 0, 0, 0, time.UTC), []string{
			"2024-01-31 23:00:00/2024-01-31 23:59:59", "2024-02-01 00:00:00/2024-02-01 01:00:00"}},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range c.months(tt.start, tt.end) {
			got = append(got, c.formatTime(m[0])+"/"+c.formatTime(m[1]))
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("months(%v, %v)\n got %v\nwant %v", tt.start, tt.end, got, tt.want)
		}
	}
}

// rangeServer serves a query handler over records with sysdtm in hkt,
// checking that every request stays within one calendar month.
func rangeServer(t *testing.T, recs []map[string]any, extra func(start time.Time) []map[string]any) func(w http.ResponseWriter, r *http.Request, s seen) {
	return func(w http.ResponseWriter, r *http.Request, s seen) {
		start, err1 := time.ParseInLocation(TimeLayout, s.form.Get("start_time"), hkt)
		end, err2 := time.ParseInLocation(TimeLayout, s.form.Get("end_time"), hkt)
		if err1 != nil || err2 != nil || end.Before(start) || start.Month() != end.Month() || start.Year() != end.Year() {
			t.Errorf("bad range %q – %q", s.form.Get("start_time"), s.form.Get("end_time"))
		}
		if s.form.Get("page_size") != "100" {
			t.Errorf("page_size %q", s.form.Get("page_size"))
		}
		if s.form.Get("pay_type") != "800201" || s.form.Get("page") == "" {
			t.Errorf("form %v", s.form)
		}
		var page int
		fmt.Sscan(s.form.Get("page"), &page)
		var match []map[string]any
		if extra != nil {
			match = extra(start)
		}
		for _, rec := range recs {
			ts, _ := time.ParseInLocation(TimeLayout, rec["sysdtm"].(string), hkt)
			if !ts.Before(start) && !ts.After(end) {
				match = append(match, rec)
			}
		}
		from, to := min((page-1)*100, len(match)), min(page*100, len(match))
		b, _ := json.Marshal(map[string]any{"respcd": "0000", "page": s.form.Get("page"), "page_size": 100, "data": match[from:to]})
		reply(w, string(b))
	}
}

func makeRecords(from time.Time, n int, step time.Duration, prefix string) []map[string]any {
	var out []map[string]any
	for i := 0; i < n; i++ {
		out = append(out, map[string]any{"syssn": fmt.Sprintf("%s%04d", prefix, i), "respcd": "0000", "cancel": "0",
			"txamt": i + 1, "sysdtm": from.Add(time.Duration(i) * step).Format(TimeLayout)})
	}
	return out
}

func TestQueryRange(t *testing.T) {
	jan := makeRecords(time.Date(2024, 1, 20, 0, 0, 0, 0, hkt), 230, time.Hour, "J") // to Jan 29
	feb := makeRecords(time.Date(2024, 2, 1, 0, 0, 0, 0, hkt), 50, time.Hour, "F")
	mar := makeRecords(time.Date(2024, 3, 1, 0, 0, 0, 0, hkt), 5, time.Hour, "M") // after the range
	all := append(append(append([]map[string]any{}, jan...), feb...), mar...)
	// In February the server also repeats a January record: it comes back once.
	f := newFake(t, rangeServer(t, all, func(start time.Time) []map[string]any {
		if start.Month() == time.February {
			return jan[:1]
		}
		return nil
	}))
	c, _ := f.client()
	got, err := c.QueryRange(context.Background(), time.Date(2024, 1, 15, 0, 0, 0, 0, hkt), time.Date(2024, 2, 20, 0, 0, 0, 0, hkt),
		QueryRequest{PayType: []string{"800201"}, Page: 7, PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 280 {
		t.Fatalf("%d records, want 280", len(got))
	}
	for i, r := range got {
		want := fmt.Sprintf("J%04d", i)
		if i >= 230 {
			want = fmt.Sprintf("F%04d", i-230)
		}
		if r.SysSN != want || r.Status() != StatusPaid {
			t.Fatalf("record %d = %s (%s), want %s", i, r.SysSN, r.Status(), want)
		}
	}
	if n := f.hits(pathQuery); n != 4 { // January: 100+100+30, February: 51
		t.Errorf("%d queries, want 4", n)
	}
}

func TestQueryRangeFullLastPage(t *testing.T) {
	f := newFake(t, rangeServer(t, makeRecords(time.Date(2024, 1, 2, 0, 0, 0, 0, hkt), 100, time.Minute, "A"), nil))
	c, _ := f.client()
	got, err := c.QueryRange(context.Background(), time.Date(2024, 1, 1, 0, 0, 0, 0, hkt), time.Date(2024, 1, 31, 0, 0, 0, 0, hkt),
		QueryRequest{PayType: []string{"800201"}})
	if err != nil || len(got) != 100 {
		t.Fatalf("%d records, %v", len(got), err)
	}
	if n := f.hits(pathQuery); n != 2 {
		t.Errorf("%d queries, want 2", n)
	}
	if _, err := c.QueryRange(context.Background(), time.Date(2024, 2, 1, 0, 0, 0, 0, hkt), time.Date(2024, 1, 1, 0, 0, 0, 0, hkt), QueryRequest{}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("reversed range: %v", err)
	}
	if _, err := c.QueryRange(context.Background(), time.Time{}, time.Now(), QueryRequest{}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("open range: %v", err)
	}
}

// cancelAfterFirst cancels a context once the first answer has been read.
type cancelAfterFirst struct {
	cancel context.CancelFunc
	n      int
}

func (c *cancelAfterFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	c.n++
	if c.n == 1 {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		c.cancel()
	}
	return resp, nil
}

func TestQueryRangeStopsOnContext(t *testing.T) {
	f := newFake(t, rangeServer(t, makeRecords(time.Date(2024, 1, 2, 0, 0, 0, 0, hkt), 250, time.Minute, "A"), nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := f.client(WithHTTPClient(&http.Client{Transport: &cancelAfterFirst{cancel: cancel}}))
	got, err := c.QueryRange(ctx, time.Date(2024, 1, 1, 0, 0, 0, 0, hkt), time.Date(2024, 2, 28, 0, 0, 0, 0, hkt),
		QueryRequest{PayType: []string{"800201"}})
	if !errors.Is(err, context.Canceled) || len(got) != 100 {
		t.Fatalf("%d records, %v", len(got), err)
	}
	if IsUnknown(err) {
		t.Error("a query never sent is unknown")
	}
	if n := f.hits(pathQuery); n != 1 {
		t.Errorf("%d queries, want 1", n)
	}
}

func TestCloseReversalRefund(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 9, 30, 0, 0, hkt)
	tests := []struct {
		name  string
		call  func(c *Client) (any, error)
		path  string
		reply string
		want  map[string]string
		check func(t *testing.T, resp any)
	}{
		{
			name: "close",
			call: func(c *Client) (any, error) {
				return c.Close(context.Background(), CancelRequest{OutTradeNo: "POS1", Amount: 300, Time: t0})
			},
			path:  "/trade/v1/close",
			reply: `{"respcd":"0000","orig_syssn":"S1","syssn":"C1","out_trade_no":"POS1","txamt":"300","txcurrcd":"HKD"}`,
			want:  map[string]string{"out_trade_no": "POS1", "txamt": "300", "txdtm": "2024-03-01 09:30:00", "mchid": "M"},
			check: func(t *testing.T, resp any) {
				want := CancelResponse{Result: Result{RespCd: "0000"}, SysSN: "C1", OrigSysSN: "S1", OutTradeNo: "POS1", Amount: 300, Currency: "HKD"}
				if *resp.(*CancelResponse) != want {
					t.Errorf("%+v", resp)
				}
			},
		},
		{
			name: "close with the stored txdtm",
			call: func(c *Client) (any, error) {
				return c.Close(context.Background(), CancelRequest{OutTradeNo: "POS1", Amount: 300, Time: t0, TxDtm: "2024-02-29 17:30:00"})
			},
			path:  "/trade/v1/close",
			reply: `{"respcd":"0000","orig_syssn":"S1","syssn":"C1","out_trade_no":"POS1","txamt":"300","txcurrcd":"HKD"}`,
			want:  map[string]string{"out_trade_no": "POS1", "txamt": "300", "txdtm": "2024-02-29 17:30:00", "mchid": "M"},
		},
		{
			name: "reversal",
			call: func(c *Client) (any, error) {
				return c.Reversal(context.Background(), CancelRequest{SysSN: "S1", OutTradeNo: "POS1", Amount: 300, Time: t0, UDID: "u"})
			},
			path:  "/trade/v1/reversal",
			reply: `{"respcd":0000,"orig_syssn":"S1","syssn":"V1","txamt":300}`,
			want:  map[string]string{"syssn": "S1", "out_trade_no": "POS1", "txamt": "300", "txdtm": "2024-03-01 09:30:00", "udid": "u", "mchid": "M"},
			check: func(t *testing.T, resp any) {
				if r := resp.(*CancelResponse); r.SysSN != "V1" || r.OrigSysSN != "S1" || r.Amount != 300 {
					t.Errorf("%+v", r)
				}
			},
		},
		{
			name: "refund",
			call: func(c *Client) (any, error) {
				return c.Refund(context.Background(), RefundRequest{SysSN: "S1", OutTradeNo: "R1", Amount: 100, Time: t0, UDID: "u"})
			},
			path:  "/trade/v1/refund",
			reply: `{"respcd":"0000","orig_syssn":"S1","syssn":"RF1","txamt":"100","sysdtm":"2024-03-01 09:30:01"}`,
			want:  map[string]string{"syssn": "S1", "out_trade_no": "R1", "txamt": "100", "txdtm": "2024-03-01 09:30:00", "udid": "u", "mchid": "M"},
			check: func(t *testing.T, resp any) {
				want := RefundResponse{Result: Result{RespCd: "0000"}, SysSN: "RF1", OrigSysSN: "S1", Amount: 100, SysDtm: "2024-03-01 09:30:01"}
				if *resp.(*RefundResponse) != want {
					t.Errorf("%+v", resp)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) { reply(w, tt.reply) })
			f.mchID = "M"
			c, _ := f.client()
			resp, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			s := f.last()
			if s.method != http.MethodPost || s.path != tt.path {
				t.Errorf("%s %s", s.method, s.path)
			}
			wantForm(t, s.form, tt.want)
			if tt.check != nil {
				tt.check(t, resp)
			}
		})
	}
}

func TestRefundFailureCarriesResponse(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		reply(w, `{"respcd":"1269","resperr":"insufficient unsettled amount","syssn":"","orig_syssn":"S1"}`)
	})
	c, _ := f.client()
	resp, err := c.Refund(context.Background(), RefundRequest{SysSN: "S1", OutTradeNo: "R1", Amount: 1})
	var e *Error
	if !errors.As(err, &e) || e.RespCd != "1269" || e.Unknown() || e.Op != "refund" || resp == nil || resp.OrigSysSN != "S1" {
		t.Fatalf("%+v, %v", resp, err)
	}
	for _, r := range []RefundRequest{{OutTradeNo: "R", Amount: 1}, {SysSN: "S", Amount: 1}, {SysSN: "S", OutTradeNo: "R"}} {
		if _, err := c.Refund(context.Background(), r); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%+v: %v", r, err)
		}
	}
	for _, r := range []CancelRequest{{Amount: 1}, {SysSN: "S"}} {
		if _, err := c.Close(context.Background(), r); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%+v: %v", r, err)
		}
	}
	if n := f.hits(pathRefund) + f.hits(pathClose); n != 1 {
		t.Errorf("%d requests sent, want 1", n)
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name         string
		close        func(w http.ResponseWriter)
		wantReversal bool
		wantSysSN    string
		wantErrCode  string
		wantUnknown  bool
	}{
		{"close works", func(w http.ResponseWriter) { reply(w, `{"respcd":"0000","syssn":"C1"}`) }, false, "C1", "", false},
		{"1297 falls back to reversal", func(w http.ResponseWriter) { reply(w, `{"respcd":"1297","resperr":"cancel unsupported"}`) }, true, "V1", "", false},
		{"no syssn falls back to reversal", func(w http.ResponseWriter) { reply(w, `{"respcd":"0000","resperr":"ok"}`) }, true, "V1", "", false},
		{"other failure is returned", func(w http.ResponseWriter) { reply(w, `{"respcd":"1142","syssn":""}`) }, false, "", "1142", false},
		{"unknown is returned", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, false, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
				switch s.path {
				case pathClose:
					tt.close(w)
				case pathReversal:
					reply(w, `{"respcd":"0000","syssn":"V1","orig_syssn":"S1"}`)
				default:
					t.Errorf("unexpected %s", s.path)
				}
			})
			c, _ := f.client()
			req := CancelRequest{SysSN: "S1", OutTradeNo: "POS1", Amount: 300, Time: time.Date(2024, 3, 1, 9, 30, 0, 0, hkt)}
			resp, err := c.Cancel(context.Background(), req)
			if got := f.hits(pathReversal) == 1; got != tt.wantReversal {
				t.Errorf("reversal called: %v", got)
			}
			if f.hits(pathClose) != 1 {
				t.Errorf("close called %d times", f.hits(pathClose))
			}
			if tt.wantReversal {
				wantForm(t, f.last().form, map[string]string{"syssn": "S1", "out_trade_no": "POS1", "txamt": "300", "txdtm": "2024-03-01 09:30:00"})
			}
			if tt.wantSysSN != "" && (err != nil || resp.SysSN != tt.wantSysSN) {
				t.Errorf("%+v, %v", resp, err)
			}
			if tt.wantErrCode != "" {
				var e *Error
				if !errors.As(err, &e) || e.RespCd != tt.wantErrCode || e.Op != "close" {
					t.Errorf("err %v", err)
				}
			}
			if IsUnknown(err) != tt.wantUnknown {
				t.Errorf("IsUnknown(%v) = %v", err, !tt.wantUnknown)
			}
		})
	}
}

func TestOpenID(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		reply(w, `{"resperr": "", "respcd": 0000, "respmsg": "", "openid": "oo3Lss8d0hLOuyTuSJMVwLTk68JE"}`)
	})
	f.mchID = "M1"
	c, _ := f.client()
	id, err := c.OpenID(context.Background(), "011QipnO1yMIla1VJdoO1FUrnO1Qipnv")
	if err != nil || id != "oo3Lss8d0hLOuyTuSJMVwLTk68JE" {
		t.Fatalf("%q, %v", id, err)
	}
	s := f.last()
	if s.method != http.MethodGet || s.path != "/tool/v1/get_weixin_openid" {
		t.Errorf("%s %s", s.method, s.path)
	}
	wantForm(t, s.form, map[string]string{"code": "011QipnO1yMIla1VJdoO1FUrnO1Qipnv", "mchid": "M1"})
	if s.contentLength != 0 || len(s.transferEncoding) != 0 || len(s.body) != 0 {
		t.Errorf("GET with a body: Content-Length %d, Transfer-Encoding %q, body %q", s.contentLength, s.transferEncoding, s.body)
	}

	if _, err := c.OpenID(context.Background(), " "); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty code: %v", err)
	}
	f.setHandle(func(w http.ResponseWriter, r *http.Request, s seen) { reply(w, `{"respcd":"0000","openid":""}`) })
	if _, err := c.OpenID(context.Background(), "c2"); err == nil || IsUnknown(err) {
		t.Errorf("answer without openid: %v", err)
	}
	f.setHandle(func(w http.ResponseWriter, r *http.Request, s seen) {
		reply(w, `{"respcd":"1104","resperr":"code used"}`)
	})
	if _, err := c.OpenID(context.Background(), "c3"); err == nil || !strings.Contains(err.Error(), "1104") {
		t.Errorf("refused code: %v", err)
	}
}

func TestOAuthCodeURL(t *testing.T) {
	for _, st := range []SignType{SignMD5, SignSHA256} {
		for _, mch := range []string{"", "M1"} {
			c, err := NewClient("hk-test", testApp, testKey, WithMchID(mch), WithSignType(st))
			if err != nil {
				t.Fatal(err)
			}
			redirect := "https://pos.example/jsapi?order=A1&x=a b+c/咖啡"
			u, err := url.Parse(c.OAuthCodeURL(redirect))
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme+"://"+u.Host+u.Path != "https://test-openapi-hk.qfapi.com/tool/v1/get_weixin_oauth_code" {
				t.Errorf("URL %s", u)
			}
			q := u.Query()
			if q.Get("redirect_uri") != redirect || q.Get("app_code") != testApp || q.Get("mchid") != mch {
				t.Errorf("query %v", q)
			}
			if mch == "" && q.Has("mchid") {
				t.Error("empty mchid sent")
			}
			p := map[string]string{}
			for k := range q {
				p[k] = q.Get(k)
			}
			sig := p["sign"]
			delete(p, "sign")
			if want := Sign(p, testKey, SignMD5); sig != want {
				t.Errorf("%s mchid %q: sign %q, want %q", st, mch, sig, want)
			}
			if strings.Contains(u.RawQuery, "咖啡") || strings.Contains(u.RawQuery, " ") {
				t.Errorf("not URL-encoded: %s", u.RawQuery)
			}
		}
	}
}

func TestDirectURL(t *testing.T) {
	c, _ := NewClient("hk", testApp, testKey)
	p := PayParams{AppID: "wx2421b1c4370ec43b", TimeStamp: "1395712654", NonceStr: "e61463f8efa94090b1f366cccfbbb444",
		Package: "prepay_id=u802345jgfjsdfgsdg888", SignType: "MD5", PaySign: "70EA570631E4BB79628FBCA90534C63FF7FADD89+/=="}
	d := DirectInfo{MerchantName: "Café & Co", Amount: 1050, Currency: "HKD", GoodsName: "咖啡", RedirectURL: "https://pos.example/done?o=A1&s=1"}
	u, err := url.Parse(c.DirectURL(p, d))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme+"://"+u.Host+u.Path != "https://o2-hk.qfapi.com/q/direct" {
		t.Errorf("URL %s", u)
	}
	want := map[string]string{"mchntnm": "Café & Co", "txamt": "1050", "currency": "HKD", "goods_name": "咖啡",
		"redirect_url": "https://pos.example/done?o=A1&s=1", "appId": p.AppID, "timeStamp": p.TimeStamp,
		"nonceStr": p.NonceStr, "package": p.Package, "signType": "MD5", "paySign": p.PaySign}
	wantForm(t, u.Query(), want)
	if strings.Contains(u.RawQuery, "+/=") {
		t.Errorf("paySign not encoded: %s", u.RawQuery)
	}
	// Optional goods_name is left out when empty; a direct URL with a
	// query of its own keeps it.
	c2, _ := NewClient("hk", testApp, testKey, WithDirectURL("https://o2.example/q/direct?lang=en"))
	d.GoodsName = ""
	u2, _ := url.Parse(c2.DirectURL(p, d))
	if u2.Query().Has("goods_name") || u2.Query().Get("lang") != "en" || u2.Query().Get("paySign") != p.PaySign {
		t.Errorf("URL %s", u2)
	}
	// mchntnm is required (§10 step 4): no merchant name sends a default.
	for _, name := range []string{"", "  "} {
		d.MerchantName = name
		u3, _ := url.Parse(c.DirectURL(p, d))
		if got := u3.Query().Get("mchntnm"); got != DefaultMerchantName {
			t.Errorf("merchant name %q: mchntnm %q, want %q", name, got, DefaultMerchantName)
		}
	}
}

func TestVerifyNotification(t *testing.T) {
	c, _ := NewClient("hk", testApp, v2Key)
	n, err := c.VerifyNotification([]byte(v2Body), v2Sign)
	if err != nil {
		t.Fatal(err)
	}
	want := Notification{PayType: "800108", SysSN: "20180112000100020001662134", OutTradeNo: "130145934788787530052",
		Amount: 1, Currency: "CNY", TxDtm: "2018-01-12 19:31:22", SysDtm: "2018-01-12 19:31:16", RespCd: "0000"}
	if *n != want {
		t.Errorf("notification\n got %+v\nwant %+v", *n, want)
	}
	if _, err := c.VerifyNotification([]byte(v2Body), strings.ToLower(v2Sign)); err != nil {
		t.Errorf("lower-case signature: %v", err)
	}
	tampered := strings.Replace(v2Body, `"txamt": "1"`, `"txamt": "100"`, 1)
	for name, in := range map[string][2]string{
		"tampered body": {tampered, v2Sign},
		"no signature":  {v2Body, ""},
		"wrong sign":    {v2Body, v3MD5},
		"sign of other": {tampered, BodySignature([]byte(v2Body), v3Key)},
	} {
		if n, err := c.VerifyNotification([]byte(in[0]), in[1]); !errors.Is(err, ErrBadSignature) || n != nil {
			t.Errorf("%s: %+v, %v", name, n, err)
		}
	}
	// A signed but undecodable body is an error, not ErrBadSignature.
	if _, err := c.VerifyNotification([]byte("SUCCESS"), BodySignature([]byte("SUCCESS"), v2Key)); err == nil || errors.Is(err, ErrBadSignature) {
		t.Errorf("undecodable: %v", err)
	}
	n2, err := ParseNotification([]byte(`{"status":"1","notify_type":"refund","txamt":100,"cancel":"3","respcd":0000,"mchid":"M","goods_name":"g","paydtm":"p"}`))
	if err != nil || n2.NotifyType != "refund" || n2.Status != "1" || n2.Amount != 100 || n2.Cancel != 3 || n2.RespCd != "0000" || n2.MchID != "M" || n2.GoodsName != "g" || n2.PayDtm != "p" {
		t.Errorf("%+v, %v", n2, err)
	}
}

func TestResponseSignature(t *testing.T) {
	const body = `{"respcd":"0000","data":[]}`
	sha := Digest(body+testKey, SignSHA256)
	tests := []struct {
		name, sig string
		signType  SignType
		warn      bool
	}{
		{"valid", BodySignature([]byte(body), testKey), SignMD5, false},
		{"valid lower-case", strings.ToLower(BodySignature([]byte(body), testKey)), SignMD5, false},
		{"valid padded", " " + BodySignature([]byte(body), testKey) + " ", SignMD5, false},
		{"absent", "", SignMD5, false},
		{"wrong", BodySignature([]byte(body+" "), testKey), SignMD5, true},
		{"SHA256 for an MD5 client", sha, SignMD5, true},
		// A SHA256 client accepts either algorithm.
		{"SHA256", sha, SignSHA256, false},
		{"SHA256 lower-case padded", " " + strings.ToLower(sha) + "\t", SignSHA256, false},
		{"MD5 for a SHA256 client", BodySignature([]byte(body), testKey), SignSHA256, false},
		{"wrong SHA256", Digest(body+" "+testKey, SignSHA256), SignSHA256, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
				if tt.sig != "" {
					w.Header().Set("X-QF-SIGN", tt.sig)
				}
				reply(w, body)
			})
			f.signType = tt.signType
			var logs logBuffer
			c, _ := f.client(WithLogger(debugLogger(&logs)))
			if _, err := c.Query(context.Background(), QueryRequest{SysSN: []string{"S"}}); err != nil {
				t.Fatalf("a signature mismatch must not fail the call: %v", err)
			}
			if got := strings.Contains(logs.String(), "level=WARN"); got != tt.warn {
				t.Errorf("warning logged: %v\n%s", got, logs.String())
			}
		})
	}
}

// TestSecretsStayOut checks that neither the key nor a request signature
// appears in logs or errors.
func TestSecretsStayOut(t *testing.T) {
	var f *fake
	f = newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		switch f.count() % 4 {
		case 0:
			reply(w, `{"respcd":"1108","resperr":"sign error"}`)
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
		case 2:
			reply(w, `not json`)
		case 3:
			drop(w)
		}
	})
	var logs logBuffer
	c, _ := f.client(WithLogger(debugLogger(&logs)), WithRetries(1))
	var errs []string
	for i := 0; i < 4; i++ {
		_, err := c.CreatePayment(context.Background(), PaymentRequest{OutTradeNo: fmt.Sprint("A", i), Amount: 1, Currency: "HKD"})
		errs = append(errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		_, err = c.OpenID(context.Background(), fmt.Sprint("code", i))
		errs = append(errs, err.Error())
	}
	if _, err := c.Query(context.Background(), QueryRequest{SysSN: []string{"S"}}); err != nil {
		errs = append(errs, err.Error())
	}
	all := logs.String() + strings.Join(errs, "\n")
	if !strings.Contains(logs.String(), "qfpay") {
		t.Error("nothing logged")
	}
	for _, secret := range append(f.signatures(), testKey) {
		if secret != "" && strings.Contains(all, secret) {
			t.Fatalf("%q appears in logs or errors:\n%s", secret, all)
		}
	}
}

// TestPathPrefix mounts the API under a path, as a proxy or the sandbox
// may.
func TestPathPrefix(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) { reply(w, `{"respcd":"0000"}`) })
	c, err := NewClient(f.srv.URL+"/qf/", testApp, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query(context.Background(), QueryRequest{SysSN: []string{"S"}}); err != nil {
		t.Fatal(err)
	}
	if p := f.last().path; p != "/qf/trade/v1/query" {
		t.Errorf("path %q", p)
	}
	if u := c.OAuthCodeURL("https://x"); !strings.HasPrefix(u, f.srv.URL+"/qf/tool/v1/get_weixin_oauth_code?") {
		t.Errorf("OAuth URL %s", u)
	}
}

func TestZones(t *testing.T) {
	for _, tt := range []struct {
		in     string
		offset int // seconds east of UTC at 2026-07-01 and 2026-01-01
		name   string
		bad    bool
	}{
		{in: "UTC+8", offset: 8 * 3600, name: "UTC+8"},
		{in: "utc+08:00", offset: 8 * 3600, name: "UTC+8"},
		{in: "UTC-5:30", offset: -(5*3600 + 30*60), name: "UTC-5:30"},
		{in: "UTC", offset: 0, name: "UTC"},
		{in: "Asia/Hong_Kong", offset: 8 * 3600, name: "Asia/Hong_Kong"},
		{in: "Local", bad: true},
		{in: "", bad: true},
		{in: "UTC+15", bad: true},
		{in: "UTC+8:60", bad: true},
		{in: "UTC8", bad: true},
		{in: "Mars/Olympus", bad: true},
	} {
		loc, err := ParseZone(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseZone(%q) = %v, want an error", tt.in, loc)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseZone(%q): %v", tt.in, err)
			continue
		}
		for _, at := range []time.Time{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} {
			if _, off := at.In(loc).Zone(); off != tt.offset {
				t.Errorf("ParseZone(%q) offset %d at %s, want %d", tt.in, off, at, tt.offset)
			}
		}
		if loc.String() != tt.name {
			t.Errorf("ParseZone(%q) named %q, want %q", tt.in, loc, tt.name)
		}
	}
	// Every region, and any other URL, keeps QFPay's UTC+8 unless told:
	// never the machine's zone.
	for _, r := range append(RegionNames(), "http://127.0.0.1:8765") {
		if _, off := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC).In(ZoneOf(r)).Zone(); off != 8*3600 {
			t.Errorf("ZoneOf(%s) is %d s east of UTC, want UTC+8", r, off)
		}
	}
}
