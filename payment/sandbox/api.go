package sandbox

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
)

var outTradeNoRE = regexp.MustCompile(`^[A-Za-z0-9_|*-]{1,128}$`)

const (
	defaultExpiry = 30 // minutes (§2.2)
	maxPageSize   = 100
	txdtmSkewWarn = 15 * time.Minute
)

func isDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseAmount reads txamt: a positive integer of at most 11 digits
// without leading zeros.
func parseAmount(s string) (int64, reply) {
	if s == "" {
		return 0, failure(codeParam, "txamt is required")
	}
	if !isDigits(s, 1, 11) || s[0] == '0' {
		return 0, failure(codeParam, "txamt must be a positive integer of at most 11 digits in the currency's minor unit, got "+strconv.Quote(s))
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n, nil
}

// parseTime reads a YYYY-MM-DD hh:mm:ss value of the named parameter,
// exactly (no single-digit fields, no zone).
func (s *Server) parseTime(name, v string) (time.Time, reply) {
	if v == "" {
		return time.Time{}, failure(codeParam, name+" is required")
	}
	t, err := time.ParseInLocation(payment.TimeLayout, v, s.cfg.Location)
	if err != nil || t.Format(payment.TimeLayout) != v {
		return time.Time{}, failure(codeParam, name+" must be YYYY-MM-DD hh:mm:ss, got "+strconv.Quote(v))
	}
	return t, nil
}

func checkOutTradeNo(v string) reply {
	if v == "" {
		return failure(codeParam, "out_trade_no is required")
	}
	if !outTradeNoRE.MatchString(v) {
		return failure(codeParam, "out_trade_no must be 1–128 characters of A–Z a–z 0–9 _ | * -")
	}
	return nil
}

// payment is POST /trade/v1/payment (§2.2, §3, §10 step 3).
func (s *Server) payment(r *http.Request, p params) reply {
	payType := p["pay_type"]
	if payType != payment.PayTypeWeChatQR && payType != payment.PayTypeWeChatJSAPI {
		return failure(codeParam, "pay_type must be 800201 or 800207 (the sandbox simulates no other), got "+strconv.Quote(payType))
	}
	amount, rep := parseAmount(p["txamt"])
	if rep != nil {
		return rep
	}
	currency := p["txcurrcd"]
	if c, err := money.Lookup(currency); err != nil || c.Code != currency { // exactly, upper case
		return failure(codeParam, "txcurrcd must be one of "+strings.Join(money.Currencies, " ")+" (§8), got "+strconv.Quote(currency))
	}
	out := p["out_trade_no"]
	if rep := checkOutTradeNo(out); rep != nil {
		return rep
	}
	txdtm, rep := s.parseTime("txdtm", p["txdtm"])
	if rep != nil {
		return rep
	}
	expiry := defaultExpiry
	if v, ok := p["expired_time"]; ok && v != "" {
		n, err := strconv.Atoi(v)
		if !isDigits(v, 1, 3) || err != nil || n < 5 || n > 120 {
			return failure(codeParam, "expired_time must be whole minutes from 5 to 120, got "+strconv.Quote(v))
		}
		expiry = n
	}
	if n := utf8.RuneCountInString(p["goods_name"]); n > 64 {
		return failure(codeParam, fmt.Sprintf("goods_name is %d characters; at most 64", n))
	}
	if n := utf8.RuneCountInString(p["udid"]); n > 40 {
		return failure(codeParam, fmt.Sprintf("udid is %d characters; at most 40", n))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if payType == payment.PayTypeWeChatJSAPI {
		switch openid := p["sub_openid"]; {
		case openid == "":
			return failure(codeParam, "sub_openid is required for pay_type 800207")
		case s.openids[openid].IsZero() || s.now().Sub(s.openids[openid]) > openidTTL:
			return failure(codeParam, "sub_openid "+strconv.Quote(openid)+" was not issued by get_weixin_openid (or over an hour ago)")
		}
	}
	if s.orders[out] != nil {
		return failure(codeDuplicate, "out_trade_no "+out+" has been used already (by a payment or a refund)")
	}
	if rep := s.checkRoom(); rep != nil {
		return rep
	}
	now := s.now()
	if skew := now.Sub(txdtm); skew > txdtmSkewWarn || skew < -txdtmSkewWarn {
		s.log.Warn("txdtm far from the sandbox clock: check the client's time zone", "txdtm", p["txdtm"], "now", s.format(now))
	}
	o := &order{
		syssn: s.newSysSN(now), outTradeNo: out, orderType: "payment", payType: payType,
		amount: amount, currency: currency, txdtm: p["txdtm"], udid: p["udid"], goodsName: p["goods_name"],
		created: now, expires: now.Add(time.Duration(expiry) * time.Minute), state: StatePending,
	}
	rep = reply{
		"respcd": codeOK, "resperr": "success", "respmsg": "OK",
		"syssn": o.syssn, "out_trade_no": out, "pay_type": payType,
		"txamt": p["txamt"], "txcurrcd": currency, "txdtm": o.txdtm, "udid": o.udid,
		"sysdtm": s.format(now), "paydtm": s.format(now), // §3's example carries paydtm on create too
		"cardcd": "", "chnlsn": "",
	}
	if s.cfg.Public {
		o.payKey = rand.Text()
	}
	if payType == payment.PayTypeWeChatQR {
		rep["qrcode"] = s.publicBase(r) + o.payerLink()
	} else {
		o.payParams = s.newPayParams(now)
		rep["pay_params"] = o.payParams
	}
	s.add(o)
	s.log.Info("order created", "out_trade_no", out, "syssn", o.syssn, "pay_type", payType, "txamt", amount, "txcurrcd", currency, "expires", s.format(o.expires))
	return rep
}

// query is POST /trade/v1/query (§4).
func (s *Server) query(r *http.Request, p params) reply {
	page, pageSize := 1, 10
	if v := p["page"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return failure(codeParam, "page must be a whole number from 1, got "+strconv.Quote(v))
		}
		page = n
	}
	if v := p["page_size"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return failure(codeParam, "page_size must be a whole number from 1 to 100, got "+strconv.Quote(v))
		}
		pageSize = n
	}
	syssns, outs, payTypes := splitList(p["syssn"]), splitList(p["out_trade_no"]), splitList(p["pay_type"])
	respcd := p["respcd"]

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var start, end time.Time
	useRange := len(syssns) == 0
	if useRange {
		st, et := p["start_time"], p["end_time"]
		var rep reply
		switch {
		case st == "" && et == "": // even by out_trade_no: only this month (§4)
			start = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.cfg.Location)
			end = start.AddDate(0, 1, 0).Add(-time.Second)
		case et == "":
			if start, rep = s.parseTime("start_time", st); rep != nil {
				return rep
			}
			end = time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, s.cfg.Location).Add(-time.Second)
		case st == "":
			if end, rep = s.parseTime("end_time", et); rep != nil {
				return rep
			}
			start = time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, s.cfg.Location)
		default:
			if start, rep = s.parseTime("start_time", st); rep != nil {
				return rep
			}
			if end, rep = s.parseTime("end_time", et); rep != nil {
				return rep
			}
		}
		if useRange && end.Before(start) {
			return failure(codeParam, "end_time is before start_time")
		}
		if useRange && end.After(start.AddDate(0, 1, 0)) {
			return failure(codeParam, "start_time to end_time spans more than one calendar month")
		}
	}

	var hits []*order
	for _, o := range s.list {
		s.settle(o, now)
		switch {
		case len(syssns) > 0 && !contains(syssns, o.syssn),
			len(outs) > 0 && !contains(outs, o.outTradeNo),
			len(payTypes) > 0 && !contains(payTypes, o.payType),
			respcd != "" && o.respcd() != respcd,
			useRange && (o.created.Before(start) || o.created.After(end)):
			continue
		}
		hits = append(hits, o)
	}
	newestFirst(hits)
	data := []map[string]string{}
	if from := (page - 1) * pageSize; from < len(hits) {
		for _, o := range hits[from:min(from+pageSize, len(hits))] {
			data = append(data, s.record(o))
		}
	}
	return reply{"respcd": codeOK, "resperr": "请求成功", "respmsg": "", "page": page, "page_size": pageSize, "data": data}
}

func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// cancelHandler is /trade/v1/close (reversal false) or /trade/v1/reversal
// (§5.1). Both cancel any order that is not paid (0000, the order gets
// cancel 2) and refuse a paid one: close with 1297 ("this transaction
// cannot be cancelled"), reversal with 1260 ("already paid"). Either way
// the client should query to learn the order's state.
func (s *Server) cancelHandler(reversal bool) func(*http.Request, params) reply {
	return func(r *http.Request, p params) reply {
		syssn, out := p["syssn"], p["out_trade_no"]
		if syssn == "" && out == "" {
			return failure(codeParam, "syssn or out_trade_no is required")
		}
		amount, rep := parseAmount(p["txamt"])
		if rep != nil {
			return rep
		}
		if _, rep := s.parseTime("txdtm", p["txdtm"]); rep != nil {
			return rep
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		now := s.now()
		o, rep := s.lookup(syssn, out)
		if rep != nil {
			return rep
		}
		if o.orderType != "payment" {
			return failure(codeNoSuchTxn, "a refund cannot be closed or reversed")
		}
		s.settle(o, now)
		if o.amount != amount {
			return failure(codeAmount, fmt.Sprintf("txamt %d is not the order's amount", amount))
		}
		if o.state == StatePaid {
			if reversal {
				return failure(codeAlreadyPaid, "the order is paid: refund it instead")
			}
			return failure(codeCancelUnsupp, "this transaction cannot be cancelled: it is paid")
		}
		if !o.cancelled {
			o.cancelled, o.cancelSN, o.payAt = true, s.newSysSN(now), time.Time{}
			if o.state == StatePending {
				o.state = StateClosed
			}
			s.dirty = true
			s.log.Info("order closed", "out_trade_no", o.outTradeNo, "syssn", o.syssn, "reversal", reversal)
		}
		return reply{
			"respcd": codeOK, "resperr": "success", "respmsg": "",
			"orig_syssn": o.syssn, "syssn": o.cancelSN, "out_trade_no": o.outTradeNo,
			"txamt": fmt.Sprint(o.amount), "txcurrcd": o.currency, "txdtm": o.txdtm,
			"sysdtm": s.format(now), "chnlsn": "",
		}
	}
}

// lookup finds the order a syssn and/or out_trade_no name. Call with s.mu held.
func (s *Server) lookup(syssn, out string) (*order, reply) {
	var a, b *order
	if syssn != "" {
		if a = s.bySysSN[syssn]; a == nil {
			return nil, failure(codeNoSuchTxn, "no transaction with syssn "+syssn)
		}
	}
	if out != "" {
		if b = s.orders[out]; b == nil {
			return nil, failure(codeNoSuchTxn, "no transaction with out_trade_no "+out)
		}
	}
	switch {
	case a != nil && b != nil && a != b:
		return nil, failure(codeMismatch, "syssn and out_trade_no name different transactions")
	case a != nil:
		return a, nil
	}
	return b, nil
}

// refund is POST /trade/v1/refund (§5.2). Refunds succeed at once.
func (s *Server) refund(r *http.Request, p params) reply {
	syssn, out := p["syssn"], p["out_trade_no"]
	if syssn == "" {
		return failure(codeParam, "syssn (the payment's) is required")
	}
	if rep := checkOutTradeNo(out); rep != nil {
		return rep
	}
	amount, rep := parseAmount(p["txamt"])
	if rep != nil {
		return rep
	}
	if _, rep := s.parseTime("txdtm", p["txdtm"]); rep != nil {
		return rep
	}
	if n := utf8.RuneCountInString(p["udid"]); n > 40 {
		return failure(codeParam, fmt.Sprintf("udid is %d characters; at most 40", n))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.orders[out] != nil {
		return failure(codeDuplicate, "out_trade_no "+out+" has been used already (by a payment or a refund)")
	}
	if rep := s.checkRoom(); rep != nil {
		return rep
	}
	o := s.bySysSN[syssn]
	if o == nil || o.orderType != "payment" {
		return failure(codeNoSuchTxn, "no payment with syssn "+syssn)
	}
	s.settle(o, now)
	switch {
	case o.state != StatePaid:
		return failure(codeNotPaidYet, "the payment is not paid ("+string(o.state)+")")
	case o.refunded >= o.amount:
		return failure(codeAlreadyRefund, "the payment is refunded in full already")
	case o.refunded+amount > o.amount:
		return failure(codeOverRefund, fmt.Sprintf("txamt %d exceeds the refundable %d", amount, o.amount-o.refunded))
	}
	rf := &order{
		syssn: s.newSysSN(now), outTradeNo: out, orderType: "refund", payType: o.payType,
		amount: amount, currency: o.currency, txdtm: p["txdtm"], udid: p["udid"], goodsName: o.goodsName,
		created: now, paidAt: now, state: StateRefund, origSysSN: o.syssn,
	}
	s.add(rf)
	o.refunded += amount
	s.dirty = true
	s.log.Info("refunded", "out_trade_no", out, "syssn", rf.syssn, "orig_syssn", o.syssn, "txamt", amount)
	return reply{
		"respcd": codeOK, "resperr": "success", "respmsg": "",
		"syssn": rf.syssn, "orig_syssn": o.syssn, "out_trade_no": out,
		"txamt": fmt.Sprint(amount), "txcurrcd": o.currency, "txdtm": rf.txdtm, "sysdtm": s.format(now),
	}
}
