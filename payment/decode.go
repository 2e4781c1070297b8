package payment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// object is a decoded flat JSON object whose values are read leniently:
// QFPay sends the same field as a string in one answer and a number in
// another (§3).
type object map[string]json.RawMessage

// quoteLeadingZeros rewrites number tokens with leading zeros — which JSON
// forbids but QFPay's documented answers contain ("respcd": 0000, §3, §10)
// — as strings, so that 0000 decodes as "0000". Everything inside strings
// is left alone.
func quoteLeadingZeros(b []byte) []byte {
	var out []byte // nil until a change is needed
	inString, escaped := false, false
	last := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		if c != '-' && (c < '0' || c > '9') {
			continue
		}
		j := i
		for j < len(b) && isTokenByte(b[j]) {
			j++
		}
		tok := b[i:j]
		if len(tok) > 1 && tok[0] == '0' && allDigits(tok) {
			if out == nil {
				out = make([]byte, 0, len(b)+8)
			}
			out = append(out, b[last:i]...)
			out = append(out, '"')
			out = append(out, tok...)
			out = append(out, '"')
			last = j
		}
		i = j - 1
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

func isTokenByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '+' || c == '-'
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decodeObject decodes a JSON object leniently (see quoteLeadingZeros).
func decodeObject(body []byte) (object, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", errUndecodable)
	}
	if body[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object: %s", errUndecodable, snippet(body))
	}
	var o object
	if err := json.Unmarshal(quoteLeadingZeros(body), &o); err != nil {
		return nil, fmt.Errorf("%w: %v: %s", errUndecodable, err, snippet(body))
	}
	return o, nil
}

// snippet quotes the start of a body for an error message.
func snippet(b []byte) string {
	const n = 64
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}

// str reads a field as text: a string's value, a number's digits, "" for
// null or absence, and the raw JSON of anything else.
func (o object) str(name string) string {
	raw, ok := o[name]
	if !ok {
		return ""
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return ""
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return ""
		}
		return s
	}
	return string(raw)
}

// int reads a field as an integer given as a JSON integer or a string of
// decimal digits; a trailing ".0" or ".00" is tolerated, any other
// fraction or an exponent is not (amounts are whole minor units and are
// never read through a float). Absent, null and "" are 0.
func (o object) int(name string) (int64, error) {
	s := strings.TrimSpace(o.str(name))
	if s == "" {
		return 0, nil
	}
	digits := s
	if i := strings.IndexByte(s, '.'); i >= 0 && (s[i:] == ".0" || s[i:] == ".00") {
		digits = s[:i]
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not an integer: %q", errUndecodable, name, s)
	}
	return n, nil
}

// smallInt is int for fields that are small counters (page, cancel).
func (o object) smallInt(name string) (int, error) {
	n, err := o.int(name)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt32 || n < math.MinInt32 {
		return 0, fmt.Errorf("%w: %s out of range: %d", errUndecodable, name, n)
	}
	return int(n), nil
}

// result reads the outer respcd, resperr and respmsg.
func (o object) result() Result {
	return Result{RespCd: strings.TrimSpace(o.str("respcd")), RespErr: o.str("resperr"), RespMsg: o.str("respmsg")}
}

// payParams reads pay_params, given as an object or as a JSON string
// holding one; nil if absent or empty.
func (o object) payParams() (*PayParams, error) {
	raw := bytes.TrimSpace(o["pay_params"])
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		s := strings.TrimSpace(o.str("pay_params"))
		if s == "" {
			return nil, nil
		}
		raw = []byte(s)
	}
	p, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("pay_params: %w", err)
	}
	return &PayParams{
		AppID:     p.str("appId"),
		TimeStamp: p.str("timeStamp"),
		NonceStr:  p.str("nonceStr"),
		Package:   p.str("package"),
		SignType:  p.str("signType"),
		PaySign:   p.str("paySign"),
	}, nil
}

// records reads the data list of a query answer.
func (o object) records() ([]Record, error) {
	raw := bytes.TrimSpace(o["data"])
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w: data is not a list: %v", errUndecodable, err)
	}
	recs := make([]Record, 0, len(list))
	for i, item := range list {
		ro, err := decodeObject(item)
		if err != nil {
			return nil, fmt.Errorf("data[%d]: %w", i, err)
		}
		r, err := decodeRecord(ro)
		if err != nil {
			return nil, fmt.Errorf("data[%d]: %w", i, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func decodeRecord(o object) (Record, error) {
	r := Record{
		SysSN:      o.str("syssn"),
		OutTradeNo: o.str("out_trade_no"),
		OrderType:  o.str("order_type"),
		PayType:    o.str("pay_type"),
		Currency:   o.str("txcurrcd"),
		TxDtm:      o.str("txdtm"),
		SysDtm:     o.str("sysdtm"),
		PayDtm:     o.str("paydtm"),
		RespCd:     strings.TrimSpace(o.str("respcd")),
		ErrMsg:     o.str("errmsg"),
		OrigSysSN:  o.str("origssn"),
		GoodsName:  o.str("goods_name"),
		UDID:       o.str("udid"),
	}
	var err error
	if r.Amount, err = o.int("txamt"); err != nil {
		return r, err
	}
	if r.Cancel, err = o.smallInt("cancel"); err != nil {
		return r, err
	}
	return r, nil
}

// decodeQuery reads a query answer.
func decodeQuery(o object) (*QueryResponse, error) {
	q := &QueryResponse{Result: o.result()}
	var err error
	if q.Page, err = o.smallInt("page"); err != nil {
		return nil, err
	}
	if q.PageSize, err = o.smallInt("page_size"); err != nil {
		return nil, err
	}
	if q.Records, err = o.records(); err != nil {
		return nil, err
	}
	return q, nil
}

// decodePayment reads a payment answer.
func decodePayment(o object) (*PaymentResponse, error) {
	p := &PaymentResponse{
		Result:     o.result(),
		SysSN:      o.str("syssn"),
		OutTradeNo: o.str("out_trade_no"),
		PayType:    o.str("pay_type"),
		Currency:   o.str("txcurrcd"),
		TxDtm:      o.str("txdtm"),
		SysDtm:     o.str("sysdtm"),
		PayDtm:     o.str("paydtm"),
		QRCode:     o.str("qrcode"),
	}
	var err error
	if p.Amount, err = o.int("txamt"); err != nil {
		return nil, err
	}
	if p.PayParams, err = o.payParams(); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeCancel reads a close or reversal answer.
func decodeCancel(o object) (*CancelResponse, error) {
	c := &CancelResponse{
		Result:     o.result(),
		SysSN:      o.str("syssn"),
		OrigSysSN:  o.str("orig_syssn"),
		OutTradeNo: o.str("out_trade_no"),
		Currency:   o.str("txcurrcd"),
	}
	var err error
	if c.Amount, err = o.int("txamt"); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeRefund reads a refund answer.
func decodeRefund(o object) (*RefundResponse, error) {
	r := &RefundResponse{
		Result:    o.result(),
		SysSN:     o.str("syssn"),
		OrigSysSN: o.str("orig_syssn"),
		SysDtm:    o.str("sysdtm"),
	}
	var err error
	if r.Amount, err = o.int("txamt"); err != nil {
		return nil, err
	}
	return r, nil
}

// decodeNotification reads a notification body.
func decodeNotification(o object) (*Notification, error) {
	n := &Notification{
		Status:     o.str("status"),
		NotifyType: o.str("notify_type"),
		PayType:    o.str("pay_type"),
		SysSN:      o.str("syssn"),
		OutTradeNo: o.str("out_trade_no"),
		Currency:   o.str("txcurrcd"),
		TxDtm:      o.str("txdtm"),
		SysDtm:     o.str("sysdtm"),
		PayDtm:     o.str("paydtm"),
		RespCd:     strings.TrimSpace(o.str("respcd")),
		MchID:      o.str("mchid"),
		GoodsName:  o.str("goods_name"),
	}
	var err error
	if n.Amount, err = o.int("txamt"); err != nil {
		return nil, err
	}
	if n.Cancel, err = o.smallInt("cancel"); err != nil {
		return nil, err
	}
	return n, nil
}
