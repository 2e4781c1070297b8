package payment

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// API paths (§2.2, §4, §5, §10).
const (
	pathPayment   = "/trade/v1/payment"
	pathQuery     = "/trade/v1/query"
	pathClose     = "/trade/v1/close"
	pathReversal  = "/trade/v1/reversal"
	pathRefund    = "/trade/v1/refund"
	pathOAuthCode = "/tool/v1/get_weixin_oauth_code"
	pathOpenID    = "/tool/v1/get_weixin_openid"
)

// MaxPageSize is the largest page_size QFPay accepts (§4); QueryRange
// fetches pages of this size.
const MaxPageSize = 100

// maxPages bounds the pages QueryRange fetches for one month.
const maxPages = 1000

func invalid(op, format string, args ...any) error {
	return &Error{Op: op, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...), notSent: true}
}

// amount formats a minor-unit amount.
func amount(n int64) string { return strconv.FormatInt(n, 10) }

// validTxDtm accepts "" (not given) or a time in TimeLayout.
func validTxDtm(s string) bool {
	if s == "" {
		return true
	}
	_, err := time.Parse(TimeLayout, s)
	return err == nil
}

// txTime is raw when set (a txdtm stored as sent), else t, or now when t
// is zero, in the client's location.
func (c *Client) txTime(t time.Time, raw ...string) string {
	if len(raw) > 0 && raw[0] != "" {
		return raw[0]
	}
	if t.IsZero() {
		t = c.now()
	}
	return c.formatTime(t)
}

// CreatePayment creates a payment (POST /trade/v1/payment, §2.2): for
// 800201 (the default pay type) the answer's QRCode is what the customer
// scans; for 800207 its PayParams feed DirectURL. A zero r.Time means now.
//
// CreatePayment is never retried. When QFPay answers with a respcd other
// than 0000, CreatePayment returns the decoded response together with an
// [*Error]: a 1143 or 1145 answer ("pending") may still carry a QR code
// and a syssn. When the error is unknown ([Error.Unknown]), the order may
// exist: query it by its out_trade_no, and never reuse that number.
func (c *Client) CreatePayment(ctx context.Context, r PaymentRequest) (*PaymentResponse, error) {
	const op = "payment"
	payType := strings.TrimSpace(r.PayType)
	if payType == "" {
		payType = PayTypeWeChatQR
	}
	switch {
	case r.OutTradeNo == "":
		return nil, invalid(op, "out_trade_no is required")
	case r.Amount <= 0:
		return nil, invalid(op, "txamt must be positive, got %d", r.Amount)
	case r.Currency == "":
		return nil, invalid(op, "txcurrcd is required")
	case r.ExpiredMinutes < 0:
		return nil, invalid(op, "expired_time must not be negative, got %d", r.ExpiredMinutes)
	case payType == PayTypeWeChatJSAPI && r.SubOpenID == "":
		return nil, invalid(op, "sub_openid is required for pay_type %s", PayTypeWeChatJSAPI)
	case !validTxDtm(r.TxDtm):
		return nil, invalid(op, "txdtm %q is not YYYY-MM-DD hh:mm:ss", r.TxDtm)
	}
	p := map[string]string{
		"txamt":        amount(r.Amount),
		"txcurrcd":     r.Currency,
		"pay_type":     payType,
		"out_trade_no": r.OutTradeNo,
		"txdtm":        c.txTime(r.Time, r.TxDtm),
		"goods_name":   r.GoodsName,
		"udid":         r.UDID,
		"limit_pay":    r.LimitPay,
		"extend_info":  r.ExtendInfo,
		"sub_openid":   r.SubOpenID,
		"notify_url":   r.NotifyURL,
	}
	if r.ExpiredMinutes > 0 {
		p["expired_time"] = strconv.Itoa(r.ExpiredMinutes)
	}
	o, err := c.do(ctx, call{op: op, method: http.MethodPost, path: pathPayment, params: p})
	if o == nil {
		return nil, err
	}
	resp, derr := decodePayment(o)
	if derr != nil {
		return nil, &Error{Op: op, HTTPStatus: http.StatusOK, Result: o.result(), Err: derr}
	}
	return resp, err
}

// Query asks for transactions (POST /trade/v1/query, §4). It is retried on
// retryable errors. An empty Records list is not an error: nothing matched
// (yet).
func (c *Client) Query(ctx context.Context, r QueryRequest) (*QueryResponse, error) {
	const op = "query"
	switch {
	case r.Page < 0:
		return nil, invalid(op, "page must not be negative, got %d", r.Page)
	case r.PageSize < 0 || r.PageSize > MaxPageSize:
		return nil, invalid(op, "page_size must be 0–%d, got %d", MaxPageSize, r.PageSize)
	case !r.Start.IsZero() && !r.End.IsZero() && r.End.Before(r.Start):
		return nil, invalid(op, "end_time before start_time")
	}
	p := map[string]string{
		"syssn":        joinList(r.SysSN),
		"out_trade_no": joinList(r.OutTradeNo),
		"pay_type":     joinList(r.PayType),
		"respcd":       r.RespCd,
		"start_time":   c.formatTime(r.Start),
		"end_time":     c.formatTime(r.End),
	}
	if r.Page > 0 {
		p["page"] = strconv.Itoa(r.Page)
	}
	if r.PageSize > 0 {
		p["page_size"] = strconv.Itoa(r.PageSize)
	}
	var date time.Time
	o, err := c.do(ctx, call{op: op, method: http.MethodPost, path: pathQuery, params: p, retry: retryIdempotent, date: &date})
	if err != nil {
		return nil, err
	}
	resp, derr := decodeQuery(o)
	if derr != nil {
		return nil, &Error{Op: op, HTTPStatus: http.StatusOK, Result: o.result(), Err: derr}
	}
	resp.Date = date
	return resp, nil
}

// joinList joins the non-empty items of l with commas.
func joinList(l []string) string {
	var b strings.Builder
	for _, s := range l {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

// QueryRange returns every transaction whose sysdtm is in [start, end]
// (to the second) that also matches filter's lists and respcd. Because
// QFPay answers for at most one calendar month at a time, the range is
// split at the month boundaries of the Client's location; every page
// (MaxPageSize records) of every month is fetched, each with Query's
// retries. Records seen twice (same syssn) are returned once.
//
// filter's Start, End, Page and PageSize are ignored. QueryRange stops
// when ctx ends; on error it returns the records fetched so far with the
// error.
func (c *Client) QueryRange(ctx context.Context, start, end time.Time, filter QueryRequest) ([]Record, error) {
	if start.IsZero() || end.IsZero() {
		return nil, invalid("query", "a range needs a start and an end")
	}
	if end.Before(start) {
		return nil, invalid("query", "range ends (%s) before it starts (%s)", c.formatTime(end), c.formatTime(start))
	}
	var out []Record
	seen := map[string]bool{}
	for _, m := range c.months(start, end) {
		for page := 1; ; page++ {
			if err := ctx.Err(); err != nil {
				return out, &Error{Op: "query", Err: err, notSent: true, ctxDone: true}
			}
			if page > maxPages {
				return out, &Error{Op: "query", Err: fmt.Errorf("more than %d pages for %s", maxPages, c.formatTime(m[0]))}
			}
			q := filter
			q.Start, q.End, q.Page, q.PageSize = m[0], m[1], page, MaxPageSize
			resp, err := c.Query(ctx, q)
			if err != nil {
				return out, err
			}
			for _, r := range resp.Records {
				if r.SysSN != "" {
					if seen[r.SysSN] {
						continue
					}
					seen[r.SysSN] = true
				}
				out = append(out, r)
			}
			full := MaxPageSize
			if resp.PageSize > 0 && resp.PageSize < full {
				full = resp.PageSize // the server capped the page size
			}
			if len(resp.Records) < full {
				break
			}
		}
	}
	return out, nil
}

// months splits [start, end] at calendar-month boundaries in the Client's
// location into inclusive, second-resolution pieces.
func (c *Client) months(start, end time.Time) [][2]time.Time {
	start, end = start.In(c.loc).Truncate(time.Second), end.In(c.loc)
	var out [][2]time.Time
	for s := start; !s.After(end); {
		next := time.Date(s.Year(), s.Month()+1, 1, 0, 0, 0, 0, c.loc)
		e := next.Add(-time.Second)
		if end.Before(e) {
			e = end
		}
		out = append(out, [2]time.Time{s, e})
		s = next
	}
	return out
}

func (c *Client) cancelParams(op string, r CancelRequest) (map[string]string, error) {
	switch {
	case r.SysSN == "" && r.OutTradeNo == "":
		return nil, invalid(op, "syssn or out_trade_no is required")
	case r.Amount <= 0:
		return nil, invalid(op, "txamt must be positive, got %d", r.Amount)
	case !validTxDtm(r.TxDtm):
		return nil, invalid(op, "txdtm %q is not YYYY-MM-DD hh:mm:ss", r.TxDtm)
	}
	return map[string]string{
		"syssn":        r.SysSN,
		"out_trade_no": r.OutTradeNo,
		"txamt":        amount(r.Amount),
		"txdtm":        c.txTime(r.Time, r.TxDtm),
		"udid":         r.UDID,
	}, nil
}

func (c *Client) cancel(ctx context.Context, op, path string, r CancelRequest) (*CancelResponse, error) {
	p, err := c.cancelParams(op, r)
	if err != nil {
		return nil, err
	}
	o, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, params: p})
	if o == nil {
		return nil, err
	}
	resp, derr := decodeCancel(o)
	if derr != nil {
		return nil, &Error{Op: op, HTTPStatus: http.StatusOK, Result: o.result(), Err: derr}
	}
	return resp, err
}

// Close cancels an order (POST /trade/v1/close, §5.1), the documented way
// for WeChat MPM (800201). r.Amount and r.Time are the original payment's;
// a zero Time means now. Close is never retried; like CreatePayment it
// returns the decoded response together with an [*Error] when the respcd
// is not 0000. Confirm the result with Query.
func (c *Client) Close(ctx context.Context, r CancelRequest) (*CancelResponse, error) {
	return c.cancel(ctx, "close", pathClose, r)
}

// Reversal reverses a transaction (POST /trade/v1/reversal, §5.1), the
// documented way for CPM and, in some versions of the docs, 800201. It
// behaves like Close.
func (c *Client) Reversal(ctx context.Context, r CancelRequest) (*CancelResponse, error) {
	return c.cancel(ctx, "reversal", pathReversal, r)
}

// Cancel closes an order and, when QFPay says close is not supported for
// it — respcd 1297, or a 0000 answer without a syssn (§5.1) — reverses it
// instead. Any other outcome of close, including an unknown one, is
// returned as is. Confirm the result with Query.
func (c *Client) Cancel(ctx context.Context, r CancelRequest) (*CancelResponse, error) {
	resp, err := c.Close(ctx, r)
	unsupported := false
	if resp != nil {
		unsupported = resp.RespCd == RespCancelUnsupp || (resp.RespCd == RespOK && resp.SysSN == "")
	}
	if !unsupported {
		return resp, err
	}
	c.log.Info("qfpay: close unsupported for this order, trying reversal", "respcd", resp.RespCd)
	return c.Reversal(ctx, r)
}

// Refund refunds all or part of a paid transaction (POST
// /trade/v1/refund, §5.2). r.OutTradeNo must be a new number; a zero
// r.Time means now. Refund is never retried; it returns the decoded
// response together with an [*Error] when the respcd is not 0000 (1143 or
// 1145: query the refund).
func (c *Client) Refund(ctx context.Context, r RefundRequest) (*RefundResponse, error) {
	const op = "refund"
	switch {
	case r.SysSN == "":
		return nil, invalid(op, "syssn of the payment is required")
	case r.OutTradeNo == "":
		return nil, invalid(op, "out_trade_no of the refund is required")
	case r.Amount <= 0:
		return nil, invalid(op, "txamt must be positive, got %d", r.Amount)
	}
	p := map[string]string{
		"syssn":        r.SysSN,
		"out_trade_no": r.OutTradeNo,
		"txamt":        amount(r.Amount),
		"txdtm":        c.txTime(r.Time),
		"udid":         r.UDID,
	}
	o, err := c.do(ctx, call{op: op, method: http.MethodPost, path: pathRefund, params: p})
	if o == nil {
		return nil, err
	}
	resp, derr := decodeRefund(o)
	if derr != nil {
		return nil, &Error{Op: op, HTTPStatus: http.StatusOK, Result: o.result(), Err: derr}
	}
	return resp, err
}
