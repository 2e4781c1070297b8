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
type Order struct {
	OutTradeNo string    // ours: unique, unguessable
	PayType    string    // 800201 or 800207
	Amount     int64     // txamt, minor units of Currency
	Currency   string    // ISO 4217
	GoodsName  string    // goods_name
	CreatedAt  time.Time // UTC
	TxDtm      string    // txdtm as sent, in the merchant's zone
	Zone       string    // IANA name of the merchant's zone TxDtm is in
	SysSN      string    // QFPay's transaction number, once known
	QRCode     string    // the payable QR content, once known
	ExpiresAt  time.Time // when the QR stops being payable (UTC)
	State      State
	RespCd     string // last respcd seen for this order
	RespMsg    string // last message seen
	PaidAt     time.Time
	Refunds    []Refund
	History    []Change
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

// Refund is one refund of a paid order, with its own out_trade_no.
type Refund struct {
	OutTradeNo string
	Amount     int64
	SysSN      string
	TxDtm      string
	State      RefundState
	RespCd     string
	RespMsg    string
	CreatedAt  time.Time
}

// Change is one entry in an order's history.
type Change struct {
	At     time.Time // UTC
	From   State
	To     State
	Cause  string // what caused it, e.g. "query respcd=0000", "cancel by cashier"
	RespCd string
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
