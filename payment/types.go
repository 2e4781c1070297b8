package payment

import "time"

// Pay types qfpos uses (qfpay-api.md §8).
const (
	PayTypeWeChatQR    = "800201" // WeChat Pay merchant-presented QR (MPM)
	PayTypeWeChatJSAPI = "800207" // WeChat Pay inside WeChat's browser
)

// TimeLayout is QFPay's zone-less date-time format (txdtm, sysdtm, start_time …).
const TimeLayout = "2006-01-02 15:04:05"

// Response codes with a meaning of their own in qfpos (qfpay-api.md §7).
const (
	RespOK            = "0000"
	RespNotPaid       = "1143" // not paid yet / password being entered
	RespProcessing    = "1145" // processing, please wait
	RespSlowNetwork   = "1298" // slow network; if paid, don't repeat
	RespDuplicate     = "1102" // duplicate request (out_trade_no reused)
	RespSignature     = "1108" // signature or app code wrong
	RespOrderClosed   = "1142"
	RespOrderExpired  = "1181"
	RespCancelUnsupp  = "1297" // on close: this transaction cannot be cancelled
	RespAlreadyRefund = "1125"
)

// PaymentRequest is POST /trade/v1/payment (qfpay-api.md §2.2, §10).
type PaymentRequest struct {
	PayType    string    // pay_type; "" means PayTypeWeChatQR
	OutTradeNo string    // out_trade_no, never reused
	Amount     int64     // txamt, in the currency's minor unit
	Currency   string    // txcurrcd, ISO 4217
	Time       time.Time // txdtm, formatted in the client's location
	// TxDtm, when set, is sent as txdtm verbatim instead of Time: the
	// txdtm an order was stored with, whatever zone it was written in.
	TxDtm          string
	ExpiredMinutes int    // expired_time (5–120); 0 leaves it out (QFPay default 30)
	GoodsName      string // goods_name
	UDID           string // udid, the device shown in the merchant portal
	LimitPay       string // limit_pay, e.g. "no_credit"
	ExtendInfo     string // extend_info, a JSON object as a string
	SubOpenID      string // sub_openid, required for 800207
	NotifyURL      string // notify_url
}

// PaymentResponse is the answer to a payment request.
type PaymentResponse struct {
	Result
	SysSN      string     // syssn, QFPay's transaction number
	OutTradeNo string     // out_trade_no echoed
	PayType    string     // pay_type echoed
	Amount     int64      // txamt echoed
	Currency   string     // txcurrcd echoed
	TxDtm      string     // txdtm echoed
	SysDtm     string     // sysdtm
	PayDtm     string     // paydtm
	QRCode     string     // qrcode, the content to draw for 800201
	PayParams  *PayParams // pay_params for 800207
}

// PayParams are the WeChat JSAPI parameters returned for 800207 (§10 step 3).
type PayParams struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Result is the outer result every QFPay answer carries.
type Result struct {
	RespCd  string // respcd; "0000" is success of the call
	RespErr string // resperr, a human-readable result (may be Chinese)
	RespMsg string // respmsg, extra detail
}

// QueryRequest is POST /trade/v1/query (§4). Lists are sent comma-joined.
// Start and End filter sysdtm; both zero means QFPay's default (this month).
type QueryRequest struct {
	SysSN      []string
	OutTradeNo []string
	PayType    []string
	RespCd     string
	Start, End time.Time
	Page       int // 1-based; 0 leaves it out
	PageSize   int // at most 100; 0 leaves it out
}

// QueryResponse is one page of query results.
type QueryResponse struct {
	Result
	Page     int
	PageSize int
	Records  []Record
	// Date is QFPay's clock when it answered (the HTTP Date header, to the
	// second); zero when the answer had none.
	Date time.Time
}

// Record is one transaction as /trade/v1/query reports it.
type Record struct {
	SysSN      string
	OutTradeNo string
	OrderType  string // "payment" or "refund" (legacy also "close"); see Status
	PayType    string
	Amount     int64
	Currency   string
	TxDtm      string
	SysDtm     string
	PayDtm     string
	RespCd     string // the record's status: 0000 done, 1143/1145/1298 pending, else failed (see Status)
	ErrMsg     string
	Cancel     int    // 0 none, 1 reversed/refunded, 2 MPM cancelled, 3 refunded, 5 partly refunded
	OrigSysSN  string // refund records: the original payment's syssn
	GoodsName  string
	UDID       string
}

// Status is the meaning of a record for a point of sale (§4 table).
type Status string

// Record statuses.
const (
	StatusPaid         Status = "paid"
	StatusPending      Status = "pending"
	StatusClosed       Status = "closed"  // cancelled by close (cancel=2) or closed (1142)
	StatusExpired      Status = "expired" // 1181
	StatusRefunded     Status = "refunded"
	StatusPartlyRefund Status = "partly_refunded"
	StatusReversed     Status = "reversed"
	StatusFailed       Status = "failed"
)

// CancelRequest is POST /trade/v1/close or /trade/v1/reversal (§5.1).
// One of SysSN and OutTradeNo is required; Amount and Time are the
// original payment's.
type CancelRequest struct {
	SysSN      string
	OutTradeNo string
	Amount     int64
	Time       time.Time
	// TxDtm, when set, is the original payment's txdtm, sent verbatim
	// instead of Time (§5.1: close and reversal take the original time).
	TxDtm string
	UDID  string
}

// CancelResponse is the answer to close or reversal.
type CancelResponse struct {
	Result
	SysSN      string // the cancel transaction
	OrigSysSN  string
	OutTradeNo string
	Amount     int64
	Currency   string
}

// RefundRequest is POST /trade/v1/refund (§5.2). OutTradeNo is a new,
// unused number for this refund.
type RefundRequest struct {
	SysSN      string // the original payment
	OutTradeNo string
	Amount     int64
	Time       time.Time
	UDID       string
}

// RefundResponse is the answer to a refund.
type RefundResponse struct {
	Result
	SysSN     string // the refund transaction
	OrigSysSN string
	Amount    int64
	SysDtm    string
}

// Notification is a verified asynchronous notification body (§6).
type Notification struct {
	Status     string
	NotifyType string // "payment" or "refund"
	PayType    string
	SysSN      string
	OutTradeNo string
	Amount     int64
	Currency   string
	TxDtm      string
	SysDtm     string
	PayDtm     string
	Cancel     int
	RespCd     string
	MchID      string
	GoodsName  string
}
