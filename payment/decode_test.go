package payment

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestQuoteLeadingZeros(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"respcd": 0000}`, `{"respcd": "0000"}`},
		{`{"respcd":0000,"x":1}`, `{"respcd":"0000","x":1}`},
		{`{"a":[0000, 0, 10, 0.5, -0, 1e3, 007]}`, `{"a":["0000", 0, 10, 0.5, -0, 1e3, "007"]}`},
		{`{"respcd":"0000"}`, `{"respcd":"0000"}`},
		{`{"s":"x\" 0000 \\","t":0123}`, `{"s":"x\" 0000 \\","t":"0123"}`},
		{`{"k0000":00}`, `{"k0000":"00"}`},
		{``, ``},
		{`0`, `0`},
		{`-`, `-`},
		{`"unterminated 0000`, `"unterminated 0000`},
	}
	for _, tt := range tests {
		if got := string(quoteLeadingZeros([]byte(tt.in))); got != tt.want {
			t.Errorf("quoteLeadingZeros(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestLenientDecoding(t *testing.T) {
	pp := &PayParams{AppID: "wx1", TimeStamp: "1700000000", NonceStr: "n", Package: "prepay_id=p", SignType: "MD5", PaySign: "x+y/z="}
	tests := []struct {
		name string
		body string
		want PaymentResponse
	}{
		{"strings", `{"respcd":"0000","txamt":"300","syssn":"S"}`, PaymentResponse{Result: Result{RespCd: "0000"}, Amount: 300, SysSN: "S"}},
		{"numbers", `{"respcd":0,"txamt":300,"syssn":20200410000300020086358791}`, PaymentResponse{Result: Result{RespCd: "0"}, Amount: 300, SysSN: "20200410000300020086358791"}},
		{"unquoted 0000", `{"resperr": "", "respcd": 0000, "respmsg": ""}`, PaymentResponse{Result: Result{RespCd: "0000"}}},
		{"amount with .0", `{"respcd":"0000","txamt":300.0}`, PaymentResponse{Result: Result{RespCd: "0000"}, Amount: 300}},
		{"amount string with .00", `{"respcd":"0000","txamt":"300.00"}`, PaymentResponse{Result: Result{RespCd: "0000"}, Amount: 300}},
		{"amount beyond 2^53", `{"respcd":"0000","txamt":9007199254740993}`, PaymentResponse{Result: Result{RespCd: "0000"}, Amount: 9007199254740993}},
		{"padded respcd", `{"respcd":" 0000 ","txamt":" 5 "}`, PaymentResponse{Result: Result{RespCd: "0000"}, Amount: 5}},
		{"nulls", `{"respcd":"0000","txamt":null,"qrcode":null,"pay_params":null}`, PaymentResponse{Result: Result{RespCd: "0000"}}},
		{"empty strings", `{"respcd":"0000","txamt":"","pay_params":""}`, PaymentResponse{Result: Result{RespCd: "0000"}}},
		{"unknown fields", `{"respcd":"0000","surcharge_fee":1,"nested":{"a":[1,{"b":0001}]},"qrcode":"q"}`, PaymentResponse{Result: Result{RespCd: "0000"}, QRCode: "q"}},
		{"Chinese and escapes", `{"respcd":"1143","resperr":"\u4ea4\u6613\u4e2d","respmsg":"等待"}`, PaymentResponse{Result: Result{RespCd: "1143", RespErr: "交易中", RespMsg: "等待"}}},
		{"BOM and spaces", "\ufeff \n{\"respcd\":\"0000\"}\n", PaymentResponse{Result: Result{RespCd: "0000"}}},
		{"pay_params object", `{"respcd":"0000","pay_params":{"appId":"wx1","timeStamp":1700000000,"nonceStr":"n","package":"prepay_id=p","signType":"MD5","paySign":"x+y/z="}}`,
			PaymentResponse{Result: Result{RespCd: "0000"}, PayParams: pp}},
		{"pay_params string", `{"respcd":"0000","pay_params":"{\"appId\":\"wx1\",\"timeStamp\":\"1700000000\",\"nonceStr\":\"n\",\"package\":\"prepay_id=p\",\"signType\":\"MD5\",\"paySign\":\"x+y/z=\"}"}`,
			PaymentResponse{Result: Result{RespCd: "0000"}, PayParams: pp}},
	}
	for _, tt := range tests {
		o, err := decodeObject([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got, err := decodePayment(o)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		g, w := *got, tt.want
		g.PayParams, w.PayParams = nil, nil
		if g != w || fmt.Sprint(got.PayParams) != fmt.Sprint(tt.want.PayParams) {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", tt.name, *got, got.PayParams, tt.want, tt.want.PayParams)
		}
	}
}

func TestLenientQueryDecoding(t *testing.T) {
	tests := []struct {
		body           string
		page, size     int
		cancel, amount []int64
	}{
		{`{"respcd":"0000","page":"1","page_size":"10","data":[{"cancel":"2","txamt":"300"}]}`, 1, 10, []int64{2}, []int64{300}},
		{`{"respcd":0000,"page":1,"page_size":10,"data":[{"cancel":2,"txamt":300},{"cancel":"","txamt":"1"}]}`, 1, 10, []int64{2, 0}, []int64{300, 1}},
		{`{"respcd":"0000","page":null,"data":[]}`, 0, 0, nil, nil},
	}
	for _, tt := range tests {
		o, err := decodeObject([]byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		q, err := decodeQuery(o)
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if q.Page != tt.page || q.PageSize != tt.size || len(q.Records) != len(tt.cancel) {
			t.Errorf("%s: %+v", tt.body, q)
			continue
		}
		for i, r := range q.Records {
			if int64(r.Cancel) != tt.cancel[i] || r.Amount != tt.amount[i] {
				t.Errorf("%s: record %d %+v", tt.body, i, r)
			}
		}
	}
}

func TestDecodingErrors(t *testing.T) {
	bodies := []string{
		``,
		`[]`,
		`"0000"`,
		`{"respcd":"0000"`,
		`{"respcd":"0000","txamt":"3.50"}`,
		`{"respcd":"0000","txamt":"3.5"}`,
		`{"respcd":"0000","txamt":3.5}`,
		`{"respcd":"0000","txamt":"3e2"}`,
		`{"respcd":"0000","txamt":3e2}`,
		`{"respcd":"0000","txamt":3E+2}`,
		`{"respcd":"0000","txamt":"300.000"}`,
		`{"respcd":"0000","txamt":"300."}`,
		`{"respcd":"0000","txamt":".0"}`,
		`{"respcd":"0000","txamt":"0x10"}`,
		`{"respcd":"0000","txamt":"1 000"}`,
		`{"respcd":"0000","txamt":9223372036854775808}`,
		`{"respcd":"0000","page":"1.5"}`,
		`{"respcd":"0000","data":[{"txamt":"1e3"}]}`,
		`{"respcd":"0000","txamt":"abc"}`,
		`{"respcd":"0000","txamt":1e300}`,
		`{"respcd":"0000","txamt":true}`,
		`{"respcd":"0000","pay_params":"not json"}`,
		`{"respcd":"0000","pay_params":[1]}`,
		`{"respcd":"0000","data":{"a":1}}`,
		`{"respcd":"0000","data":[1]}`,
		`{"respcd":"0000","data":[{"cancel":"x"}]}`,
		`{"respcd":"0000","page":99999999999}`,
	}
	for _, b := range bodies {
		o, err := decodeObject([]byte(b))
		if err == nil {
			_, err = decodePayment(o)
		}
		if err == nil {
			_, err = decodeQuery(o)
		}
		if !errors.Is(err, errUndecodable) {
			t.Errorf("%s: err %v, want undecodable", b, err)
		}
	}
}

func TestRecordStatus(t *testing.T) {
	tests := []struct {
		orderType, respcd string
		cancel            int
		want              Status
	}{
		{"payment", "0000", 0, StatusPaid},
		{"", "0000", 0, StatusPaid},
		{"payment", "0000", 4, StatusPaid},
		{"payment", "0000", 3, StatusRefunded},
		{"payment", "0000", 5, StatusPartlyRefund},
		{"payment", "0000", 1, StatusReversed},
		{"payment", "0000", 2, StatusClosed},
		{"payment", "1143", 2, StatusClosed},
		{"payment", "1181", 2, StatusClosed},
		{"payment", "1143", 0, StatusPending},
		{"payment", "1145", 0, StatusPending},
		{"payment", "1298", 0, StatusPending},
		{"payment", "1142", 0, StatusClosed},
		{"payment", "1181", 0, StatusExpired},
		{"payment", "1205", 0, StatusFailed},
		{"payment", "", 0, StatusPending},
		{"payment", "", 2, StatusPending},
		{"", "", 0, StatusPending},
		{"refund", "0000", 0, StatusRefunded},
		{"refund", "0000", 2, StatusRefunded},
		{"refund", "1145", 0, StatusPending},
		{"refund", "1269", 0, StatusFailed},
		{"refund", "", 0, StatusPending},
		// Legacy and unknown order types decide nothing.
		{"close", "0000", 0, StatusPending},
		{"close", "0000", 2, StatusPending},
		{"close", "1205", 0, StatusPending},
		{"Payment", "0000", 0, StatusPending},
	}
	for _, tt := range tests {
		r := Record{OrderType: tt.orderType, RespCd: tt.respcd, Cancel: tt.cancel}
		if got := r.Status(); got != tt.want {
			t.Errorf("%s respcd %q cancel %d: %s, want %s", tt.orderType, tt.respcd, tt.cancel, got, tt.want)
		}
	}
}

// FuzzDecodeResponse checks that no answer makes decoding panic, and that
// an answer which is valid JSON decodes the same with or without the
// leading-zero rewriting.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{
		`{"respcd":"0000","txamt":"300","qrcode":"weixin://x","syssn":"S"}`,
		`{"resperr": "", "respcd": 0000, "respmsg": "", "openid": "o"}`,
		`{"respcd":"0000","page":1,"data":[{"cancel":"2","txamt":1,"respcd":"1143"}]}`,
		`{"respcd":"0000","pay_params":"{\"appId\":\"a\",\"timeStamp\":1}"}`,
		`{"respcd":"0000","pay_params":{"paySign":"a+b="}}`,
		v2Body,
		`{"a":"\"0000\\"}`,
		`{"respcd":-0001}`,
		``, `null`, `[`, "\ufeff{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		q := quoteLeadingZeros(body)
		if json.Valid(body) && string(q) != string(body) {
			t.Fatalf("valid JSON rewritten: %q -> %q", body, q)
		}
		o, err := decodeObject(body)
		if err != nil {
			if !errors.Is(err, errUndecodable) {
				t.Fatalf("error %v is not undecodable", err)
			}
			return
		}
		_, _ = decodePayment(o)
		_, _ = decodeQuery(o)
		_, _ = decodeCancel(o)
		_, _ = decodeRefund(o)
		_, _ = decodeNotification(o)
		_, _ = ParseNotification(body)
		_ = o.result()
	})
}

// FuzzVerifyNotification checks that verification never panics, that a
// body with its own signature verifies, and that a changed body does not.
func FuzzVerifyNotification(f *testing.F) {
	f.Add([]byte(v2Body), uint16(0), uint8(0))
	f.Add([]byte(`{"notify_type":"payment","txamt":"100","respcd":"0000"}`), uint16(30), uint8(3))
	f.Add([]byte{}, uint16(0), uint8(7))
	c, err := NewClient("hk", testApp, v2Key)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, pos uint16, bit uint8) {
		sig := BodySignature(body, v2Key)
		if _, err := c.VerifyNotification(body, sig); errors.Is(err, ErrBadSignature) {
			t.Fatalf("correctly signed body rejected: %q", body)
		}
		mutated := append([]byte(nil), body...)
		if len(mutated) == 0 {
			mutated = append(mutated, bit)
		} else {
			mutated[int(pos)%len(mutated)] ^= 1 << (bit % 8)
		}
		if _, err := c.VerifyNotification(mutated, sig); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("mutated body accepted: %q", mutated)
		}
		_, _ = c.VerifyNotification(body, string(body))
	})
}
