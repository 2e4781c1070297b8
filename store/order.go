package store

import "time"

// State is where an order stands in qfpos.
type State string

// Order states. Creating, Awaiting and Unknown are not final: Recover
// queries QFPay for each of them on start-up.
const (
	StateCreating  State = "creating"  // saved; the payment request may or may not have reached QFPay
	StateAwaiting  State = "awaiting"  // QFPay created the order; the QR is shown
	StateUnknown   State = "unknown"   // the outcome cannot be decided yet; resolved only by query
	StatePaid      State = "paid"      // a query or verified notification said 0000, not cancelled
	StateFailed    State = "failed"    // a definitive failure code
	StateExpired   State = "expired"   // the QR expired unpaid and QFPay confirmed it closed
	StateCancelled State = "cancelled" // closed at QFPay on request and confirmed unpaid
)

// Final reports whether s is a settled state.
func (s State) Final() bool {
	switch s {
	case StatePaid, StateFailed, StateExpired, StateCancelled:
		return true
	}
	return false
}

// Order is one sale attempt: one out_trade_no at QFPay.
//
// The store keeps it in the binary form of codec.go (files of schema 1:
// as JSON under the tags below); a new field needs a new form and a
// migration (see store.go). The tags are also what `qfpos orders --json`
// prints.
type Order struct {
	OutTradeNo string    `json:"out_trade_no"`         // ours: unique, unguessable
	PayType    string    `json:"pay_type,omitempty"`   // 800201 or 800207
	Amount     int64     `json:"txamt"`                // txamt, minor units of Currency
	Currency   string    `json:"txcurrcd"`             // ISO 4217
	GoodsName  string    `json:"goods_name,omitempty"` // goods_name
	CreatedAt  time.Time `json:"created_at"`           // UTC
	TxDtm      string    `json:"txdtm,omitempty"`      // txdtm as sent, in QFPay's zone
	Zone       string    `json:"zone,omitempty"`       // name of QFPay's zone TxDtm is in (UTC+8)
	SysSN      string    `json:"syssn,omitempty"`      // QFPay's transaction number, once known
	QRCode     string    `json:"qrcode,omitempty"`     // the payable QR content, once known
	ExpiresAt  time.Time `json:"expires_at,omitzero"`  // when the QR stops being payable (UTC)
	State      State     `json:"state"`
	RespCd     string    `json:"respcd,omitempty"`  // last respcd seen for this order
	RespMsg    string    `json:"respmsg,omitempty"` // last message seen
	PaidAt     time.Time `json:"paid_at,omitzero"`
	Refunds    []Refund  `json:"refunds,omitempty"`
	History    []Change  `json:"history,omitempty"`
	// Parent is, for a WeChat JSAPI (800207) attempt, the out_trade_no of
	// the 800201 order of the sale it belongs to; "" for every other order.
	// A JSAPI sale is that 800201 order plus zero or more attempts, each
	// with an out_trade_no of its own; checkout sees to it that at most one
	// ends paid, and says so when QFPay reports two.
	Parent string `json:"parent,omitempty"`
}

// RefundState is where a refund stands.
type RefundState string

// Refund states.
const (
	RefundCreating RefundState = "creating" // saved before the request is sent
	RefundUnknown  RefundState = "unknown"  // sent, outcome not known: query it
	RefundDone     RefundState = "done"
	RefundFailed   RefundState = "failed"
)

// Final reports whether the refund's outcome is settled (done or failed).
func (r RefundState) Final() bool {
	return r == RefundDone || r == RefundFailed
}

// Refund is one refund of a paid order, with its own out_trade_no.
type Refund struct {
	OutTradeNo string      `json:"out_trade_no"`
	Amount     int64       `json:"txamt"`
	SysSN      string      `json:"syssn,omitempty"`
	TxDtm      string      `json:"txdtm,omitempty"`
	State      RefundState `json:"state"`
	RespCd     string      `json:"respcd,omitempty"`
	RespMsg    string      `json:"respmsg,omitempty"`
	CreatedAt  time.Time   `json:"created_at,omitzero"`
}

// Change is one entry in an order's history.
type Change struct {
	At     time.Time `json:"at"` // UTC
	From   State     `json:"from,omitempty"`
	To     State     `json:"to"`
	Cause  string    `json:"cause,omitempty"` // what caused it, e.g. "query respcd=0000", "cancel by cashier"
	RespCd string    `json:"respcd,omitempty"`
}

// SetState moves the order to state to, recording the change in its
// history with its cause. Setting the state it already has records nothing.
func (o *Order) SetState(to State, at time.Time, cause, respcd string) {
	if o.State == to {
		return
	}
	o.History = append(o.History, Change{At: at.UTC(), From: o.State, To: to, Cause: cause, RespCd: respcd})
	o.State = to
}

// Refunded is the total amount of refunds that are done.
func (o *Order) Refunded() int64 {
	var n int64
	for _, r := range o.Refunds {
		if r.State == RefundDone {
			n += r.Amount
		}
	}
	return n
}

// Pending reports whether the order still needs attention: its State is not
// Final, or one of its refunds is not final (RefundCreating, RefundUnknown,
// or a state this version does not know). These are the orders
// Store.NotFinal returns.
func (o *Order) Pending() bool {
	if !o.State.Final() {
		return true
	}
	for _, r := range o.Refunds {
		if !r.State.Final() {
			return true
		}
	}
	return false
}
