package payment_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/qfpos/qfpos/payment"
)

// ExampleClient_CreatePayment creates a WeChat Pay QR payment against a
// stand-in for QFPay and prints what to show the customer.
func ExampleClient_CreatePayment() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"respcd":"0000","resperr":"success","qrcode":"weixin://wxpay/bizpayurl?pr=4PsXP5N",
			"syssn":"20240101000300020086358791","out_trade_no":"POS20240101120000001","txamt":"1000","txcurrcd":"HKD"}`)
	}))
	defer srv.Close()

	hk := time.FixedZone("HKT", 8*3600) // or time.LoadLocation("Asia/Hong_Kong")
	c, err := payment.NewClient(srv.URL, "5D81D64E602043F7AF51CE0123456789", "0123456789ABCDEF0123456789ABCDEF",
		payment.WithLocation(hk))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.CreatePayment(context.Background(), payment.PaymentRequest{
		OutTradeNo:     "POS20240101120000001",
		Amount:         1000, // HK$10.00
		Currency:       "HKD",
		GoodsName:      "Coffee",
		ExpiredMinutes: 10,
	})
	if payment.IsUnknown(err) {
		fmt.Println("outcome unknown: query", "POS20240101120000001")
		return
	}
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	fmt.Println(resp.RespCd, resp.SysSN)
	fmt.Println(resp.QRCode)
	// Output:
	// 0000 20240101000300020086358791
	// weixin://wxpay/bizpayurl?pr=4PsXP5N
}
