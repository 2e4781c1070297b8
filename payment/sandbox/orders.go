package sandbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/qfpos/qfpos/payment"
)

// The respcd values the sandbox answers (qfpay-api.md §7); doc.go lists
// which situation gives which.
const (
	codeOK            = payment.RespOK            // 0000 success
	codeNotPaid       = payment.RespNotPaid       // 1143 record not paid yet
	codeDuplicate     = payment.RespDuplicate     // 1102 out_trade_no already used
	codeParam         = "1104"                    // a parameter is missing or wrong
	codeSignature     = payment.RespSignature     // 1108 app code or signature wrong
	codeAlreadyRefund = payment.RespAlreadyRefund // 1125 nothing left to refund
	codeNoSuchTxn     = "1136"                    // transaction does not exist
	codeClosed        = payment.RespOrderClosed   // 1142 record closed
	codeExpired       = payment.RespOrderExpired  // 1181 record expired
	codeDeclined      = "1205"                    // record failed: payer declined
	codeNoStore       = "1241"                    // mchid unknown
	codeAlreadyPaid   = "1260"                    // reversal of a paid order
	codeNotPaidYet    = "1261"                    // refund of an order not paid
	codeAmount        = "1266"                    // close/reversal txamt differs
	codeMismatch      = "1267"                    // syssn and out_trade_no name different orders
	codeOverRefund    = "1272"                    // refunds would exceed the payment
	codeCancelUnsupp  = payment.RespCancelUnsupp  // 1297 close of a paid order
)

// errmsgNotPaid is the errmsg of an unpaid record in §4's example.
const errmsgNotPaid = "订单还未支付，或者正在输入密码中"

// State is where a sandbox order is in its life.
type State string

// Order states. A payment starts pending and ends in one of the others;
// refund records are StateRefund from the start.
const (
	StatePending  State = "pending"  // waiting for the payer: respcd 1143, cancel 0
	StatePaid     State = "paid"     // respcd 0000; cancel 0, 3 (refunded) or 5 (partly)
	StateDeclined State = "declined" // payer declined: respcd 1205
	StateClosed   State = "closed"   // closed or reversed unpaid: respcd 1142, cancel 2
	StateExpired  State = "expired"  // not paid within expired_time: respcd 1181
	StateRefund   State = "refund"   // an order_type "refund" record: respcd 0000
)

// Errors of Pay, Decline and PayAfter.
var (
	ErrNoSuchOrder = errors.New("no such order")
	ErrOrderFinal  = errors.New("order can no longer be paid or declined")
)

// OrderView is the true state of one sandbox order or refund record, as
// a test or a person sees it (not as a query answers it).
type OrderView struct {
	SysSN      string    `json:"syssn"`
	OutTradeNo string    `json:"out_trade_no"`
	OrderType  string    `json:"order_type"` // "payment" or "refund"
	PayType    string    `json:"pay_type"`
	Amount     int64     `json:"txamt"`
	Currency   string    `json:"txcurrcd"`
	GoodsName  string    `json:"goods_name,omitempty"`
	UDID       string    `json:"udid,omitempty"`
	State      State     `json:"state"`
	RespCd     string    `json:"respcd"` // as query reports it
	Cancel     int       `json:"cancel"` // as query reports it
	Refunded   int64     `json:"refunded"`
	OrigSysSN  string    `json:"origssn,omitempty"`
	TxDtm      string    `json:"txdtm"`  // as the client sent it
	SysDtm     string    `json:"sysdtm"` // creation, in Config.Location
	PayDtm     string    `json:"paydtm"`
	Created    time.Time `json:"created"`
	ExpiresAt  time.Time `json:"expires_at"`       // zero for refunds
	PayAt      time.Time `json:"pay_at,omitzero"`  // set by PayAfter while pending
	PaidAt     time.Time `json:"paid_at,omitzero"` // when paid (or refunded)
	// PayerLink is the path (and query) of a payment's payer page, what
	// an 800201 qrcode points to.
	PayerLink string `json:"payer_link,omitempty"`
}

type order struct {
	seq        int64
	syssn      string
	outTradeNo string
	orderType  string
	payType    string
	amount     int64
	currency   string
	txdtm      string
	udid       string
	goodsName  string
	created    time.Time
	expires    time.Time
	state      State
	payAt      time.Time
	paidAt     time.Time
	cancelled  bool   // a close or reversal was accepted while unpaid
	cancelSN   string // syssn of that close or reversal
	refunded   int64
	origSysSN  string
	payParams  map[string]string // 800207
	payKey     string            // on a public server: the payer page wants it (?k=)
}

// payerLink is the path and query of the order's payer page, what its
// qrcode points to.
func (o *order) payerLink() string {
	if o.payKey == "" {
		return payerPath(o.outTradeNo)
	}
	return payerPath(o.outTradeNo) + "?k=" + o.payKey
}

// settle applies what time has done to a pending order: a PayAfter that
// fell due before expiry pays it, else expiry expires it. Call with s.mu
// held.
func (s *Server) settle(o *order, now time.Time) {
	if o.state != StatePending {
		return
	}
	if !o.payAt.IsZero() && !o.payAt.After(now) && o.payAt.Before(o.expires) {
		o.state, o.paidAt, o.payAt = StatePaid, o.payAt, time.Time{}
		s.dirty = true
		return
	}
	if !now.Before(o.expires) {
		o.state, o.payAt = StateExpired, time.Time{}
		s.dirty = true
	}
}

func (o *order) respcd() string {
	switch o.state {
	case StatePending:
		return codeNotPaid
	case StateDeclined:
		return codeDeclined
	case StateClosed:
		return codeClosed
	case StateExpired:
		return codeExpired
	}
	return codeOK
}

func (o *order) errmsg() string {
	switch o.state {
	case StatePending:
		return errmsgNotPaid
	case StateDeclined:
		return "payer declined the payment (sandbox)"
	case StateClosed:
		return "order closed"
	case StateExpired:
		return "order expired"
	}
	return "交易成功"
}

func (o *order) cancel() int {
	switch {
	case o.state == StatePaid && o.refunded >= o.amount:
		return 3
	case o.state == StatePaid && o.refunded > 0:
		return 5
	case o.cancelled:
		return 2
	}
	return 0
}

func (s *Server) view(o *order) OrderView {
	v := OrderView{
		SysSN: o.syssn, OutTradeNo: o.outTradeNo, OrderType: o.orderType, PayType: o.payType,
		Amount: o.amount, Currency: o.currency, GoodsName: o.goodsName, UDID: o.udid,
		State: o.state, RespCd: o.respcd(), Cancel: o.cancel(), Refunded: o.refunded, OrigSysSN: o.origSysSN,
		TxDtm: o.txdtm, SysDtm: s.format(o.created), PayDtm: s.format(o.paidAt),
		Created: o.created, ExpiresAt: o.expires, PayAt: o.payAt, PaidAt: o.paidAt,
	}
	if o.orderType == "payment" {
		v.PayerLink = o.payerLink()
	}
	return v
}

// record is the order as /trade/v1/query reports it (§4).
func (s *Server) record(o *order) map[string]string {
	r := map[string]string{
		"syssn": o.syssn, "out_trade_no": o.outTradeNo, "order_type": o.orderType,
		"pay_type": o.payType, "txamt": fmt.Sprint(o.amount), "txcurrcd": o.currency,
		"txdtm": o.txdtm, "sysdtm": s.format(o.created), "paydtm": s.format(o.paidAt),
		"respcd": o.respcd(), "errmsg": o.errmsg(), "cancel": fmt.Sprint(o.cancel()),
		"chnlsn": "", "chnlsn2": "", "goods_name": o.goodsName, "udid": o.udid, "cardcd": "",
	}
	if o.origSysSN != "" {
		r["origssn"] = o.origSysSN
	}
	return r
}

// newSysSN returns a fresh 26-digit syssn such as
// 20200410000300020086358791: the date, then a sequence. The sequence
// starts at a random point so that syssn values from separate sandbox
// runs do not collide in a kept order file. Call with s.mu held.
func (s *Server) newSysSN(now time.Time) string {
	s.seq++
	s.dirty = true // seq is saved
	return fmt.Sprintf("%s00030002%010d", now.Format("20060102"), s.snBase+s.seq)
}

func randomSysSNBase() int64 {
	n, err := rand.Int(rand.Reader, big.NewInt(8_000_000_000))
	if err != nil {
		panic(err)
	}
	return 1_000_000_000 + n.Int64()
}

// checkRoom refuses a new order when the sandbox holds maxOrders. Call
// with s.mu held.
func (s *Server) checkRoom() reply {
	if len(s.list) >= maxOrders {
		return failure(codeParam, fmt.Sprintf("the sandbox holds %d orders, its limit: start it afresh (or with another state file)", maxOrders))
	}
	return nil
}

// add stores a new order, numbered with the seq of the syssn it was just
// given. Call with s.mu held.
func (s *Server) add(o *order) {
	o.seq = s.seq
	s.index(o)
	s.dirty = true
}

// index files an order (new or loaded) under its out_trade_no, syssn and,
// for 800207, the prepay_id of its pay_params. Call with s.mu held.
func (s *Server) index(o *order) {
	s.orders[o.outTradeNo] = o
	s.bySysSN[o.syssn] = o
	s.list = append(s.list, o)
	if p := o.payParams["package"]; p != "" {
		s.byPrepay[strings.TrimPrefix(p, "prepay_id=")] = o
	}
}

// findPayment looks up a payment (not a refund) by out_trade_no and settles
// it. Call with s.mu held.
func (s *Server) findPayment(outTradeNo string, now time.Time) (*order, error) {
	o := s.orders[outTradeNo]
	if o == nil || o.orderType != "payment" {
		return nil, fmt.Errorf("%w %q", ErrNoSuchOrder, outTradeNo)
	}
	s.settle(o, now)
	return o, nil
}

// Pay pays the pending order out_trade_no now, as if the payer confirmed
// in WeChat. Paying a paid order does nothing; an order that is declined,
// closed or expired gives ErrOrderFinal, an unknown one ErrNoSuchOrder.
func (s *Server) Pay(outTradeNo string) error {
	defer s.persist()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.payLocked(outTradeNo, s.now())
}

func (s *Server) payLocked(outTradeNo string, now time.Time) error {
	o, err := s.findPayment(outTradeNo, now)
	if err != nil {
		return err
	}
	switch o.state {
	case StatePaid:
		return nil
	case StatePending:
		o.state, o.paidAt, o.payAt = StatePaid, now, time.Time{}
		s.dirty = true
		s.log.Info("paid", "out_trade_no", o.outTradeNo, "syssn", o.syssn, "txamt", o.amount, "txcurrcd", o.currency)
		return nil
	}
	return fmt.Errorf("%w: %q is %s", ErrOrderFinal, outTradeNo, o.state)
}

// Decline fails the pending order out_trade_no, as if the payer's wallet
// refused: its query record then says respcd 1205. Declining a declined
// order does nothing; a paid, closed or expired one gives ErrOrderFinal.
func (s *Server) Decline(outTradeNo string) error {
	defer s.persist()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.declineLocked(outTradeNo, s.now())
}

func (s *Server) declineLocked(outTradeNo string, now time.Time) error {
	o, err := s.findPayment(outTradeNo, now)
	if err != nil {
		return err
	}
	switch o.state {
	case StateDeclined:
		return nil
	case StatePending:
		o.state, o.payAt = StateDeclined, time.Time{}
		s.dirty = true
		s.log.Info("declined", "out_trade_no", o.outTradeNo, "syssn", o.syssn)
		return nil
	}
	return fmt.Errorf("%w: %q is %s", ErrOrderFinal, outTradeNo, o.state)
}

// PayAfter arranges for the pending order out_trade_no to be paid d from
// now (by Config.Now), unless it is closed or expires first. It is
// applied lazily, when the order is next looked at, so a test clock
// needs no goroutine. d <= 0 pays at once.
func (s *Server) PayAfter(outTradeNo string, d time.Duration) error {
	defer s.persist()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if d <= 0 {
		return s.payLocked(outTradeNo, now)
	}
	o, err := s.findPayment(outTradeNo, now)
	if err != nil {
		return err
	}
	if o.state != StatePending {
		return fmt.Errorf("%w: %q is %s", ErrOrderFinal, outTradeNo, o.state)
	}
	o.payAt = now.Add(d)
	s.dirty = true
	s.log.Info("pay scheduled", "out_trade_no", o.outTradeNo, "at", s.format(o.payAt))
	return nil
}

// Order returns the true state of the order or refund record with this
// out_trade_no.
func (s *Server) Order(outTradeNo string) (OrderView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[outTradeNo]
	if o == nil {
		return OrderView{}, false
	}
	s.settle(o, s.now())
	return s.view(o), true
}

// Orders returns every order and refund record, oldest first.
func (s *Server) Orders() []OrderView {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]OrderView, 0, len(s.list))
	for _, o := range s.list {
		s.settle(o, now)
		out = append(out, s.view(o))
	}
	return out
}

// newestFirst sorts orders by creation time, newest first.
func newestFirst(l []*order) {
	sort.SliceStable(l, func(i, j int) bool {
		if !l[i].created.Equal(l[j].created) {
			return l[i].created.After(l[j].created)
		}
		return l[i].seq > l[j].seq
	})
}
