package store

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MaxOutTradeNo is the longest out_trade_no QFPay takes (String(128)).
const MaxOutTradeNo = 128

// NewOutTradeNo returns a new out_trade_no: prefix, the UTC time as
// yyyymmddhhmmss, then 20 characters of [A-Z0-9] from crypto/rand (about
// 103 bits), so numbers are unguessable, unique, and sort roughly by time.
//
// Characters of prefix outside [A-Za-z0-9] are dropped and it is cut to 30
// characters, so the result is at most 64 characters of [A-Za-z0-9].
func NewOutTradeNo(prefix string) string {
	const (
		alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		randLen  = 20
		stamp    = "20060102150405"
	)
	b := make([]byte, 0, 64)
	for i := 0; i < len(prefix) && len(b) < 64-len(stamp)-randLen; i++ {
		if c := prefix[i]; isAlnum(c) {
			b = append(b, c)
		}
	}
	b = time.Now().UTC().AppendFormat(b, stamp)
	var buf [32]byte
	for n := 0; n < randLen; {
		rand.Read(buf[:]) // never fails (crypto/rand, Go ≥ 1.24)
		for _, r := range buf {
			// 252 = 7*36: reject the top 4 values so every character is
			// equally likely.
			if r < 252 && n < randLen {
				b = append(b, alphabet[r%36])
				n++
			}
		}
	}
	return string(b)
}

func isAlnum(c byte) bool {
	return isUpper(c) || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// checkOutTradeNo enforces QFPay's String(128) and the legacy charset:
// letters, digits and _ | *.
func checkOutTradeNo(no string) error {
	if no == "" || len(no) > MaxOutTradeNo {
		return fmt.Errorf("%w: out_trade_no %q must be 1 to %d characters", ErrInvalid, no, MaxOutTradeNo)
	}
	for i := 0; i < len(no); i++ {
		if c := no[i]; !isAlnum(c) && c != '_' && c != '|' && c != '*' {
			return fmt.Errorf("%w: out_trade_no %q may hold only letters, digits, _ | *", ErrInvalid, no)
		}
	}
	return nil
}

// check refuses orders the store cannot index or QFPay would refuse.
func check(o *Order) error {
	if err := checkOutTradeNo(o.OutTradeNo); err != nil {
		return err
	}
	if len(o.Currency) != 3 || !isUpper(o.Currency[0]) || !isUpper(o.Currency[1]) || !isUpper(o.Currency[2]) {
		return fmt.Errorf("%w: order %s: currency %q is not an ISO 4217 code", ErrInvalid, o.OutTradeNo, o.Currency)
	}
	if o.Amount <= 0 {
		return fmt.Errorf("%w: order %s: amount %d must be more than zero", ErrInvalid, o.OutTradeNo, o.Amount)
	}
	if o.State == "" || len(o.State) > 64 {
		return fmt.Errorf("%w: order %s: state %q", ErrInvalid, o.OutTradeNo, o.State)
	}
	if o.CreatedAt.Before(minTime) || o.CreatedAt.After(maxTime) {
		return fmt.Errorf("%w: order %s: created_at %v", ErrInvalid, o.OutTradeNo, o.CreatedAt)
	}
	for _, r := range o.Refunds {
		if err := checkOutTradeNo(r.OutTradeNo); err != nil {
			return fmt.Errorf("order %s: refund: %w", o.OutTradeNo, err)
		}
		if r.Amount <= 0 || r.State == "" {
			return fmt.Errorf("%w: order %s: refund %s: amount %d, state %q", ErrInvalid, o.OutTradeNo, r.OutTradeNo, r.Amount, r.State)
		}
	}
	return nil
}

// normalize puts every time of o in UTC (which also drops monotonic clock
// readings), so what is read back equals what was written.
func normalize(o *Order) {
	o.CreatedAt = o.CreatedAt.UTC()
	o.ExpiresAt = o.ExpiresAt.UTC()
	o.PaidAt = o.PaidAt.UTC()
	for i := range o.Refunds {
		o.Refunds[i].CreatedAt = o.Refunds[i].CreatedAt.UTC()
	}
	for i := range o.History {
		o.History[i].At = o.History[i].At.UTC()
	}
}

// Create saves a new order and returns once it is on disk (fsynced).
//
// A zero CreatedAt is set to now and an empty State to StateCreating; all
// times are stored in UTC; a first History entry ("" → State, cause
// "created", at CreatedAt) is put before any the order already has. On
// success o is updated to what was stored; on error it is left as it was.
//
// The out_trade_no, and those of any refunds, must not be used by any
// order or refund yet (ErrExists), and must be 1 to 128 of letters, digits
// and _ | * (ErrInvalid).
func (s *Store) Create(o *Order) error {
	c, err := prepare(o)
	if err != nil {
		return err
	}
	if err := s.update(func(tx *bolt.Tx) error { return write(tx, &c, nil) }); err != nil {
		return err
	}
	*o = c
	return nil
}

// prepare returns the order Create stores for o, leaving o as it is.
func prepare(o *Order) (Order, error) {
	c := *o
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	if c.State == "" {
		c.State = StateCreating
	}
	c.Refunds = slices.Clone(o.Refunds)
	c.History = append([]Change{{At: c.CreatedAt, To: c.State, Cause: "created"}}, o.History...)
	normalize(&c)
	return c, check(&c)
}

// Get returns the order with that out_trade_no, or an error wrapping
// ErrNotFound.
func (s *Store) Get(outTradeNo string) (*Order, error) {
	var o *Order
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		o, err = get(tx, outTradeNo)
		return err
	})
	return o, err
}

// FindByRefund returns the order holding the refund with that
// out_trade_no, or an error wrapping ErrNotFound.
func (s *Store) FindByRefund(refundOutTradeNo string) (*Order, error) {
	var o *Order
	err := s.view(func(tx *bolt.Tx) error {
		no := tx.Bucket(bucketRefunds).Get([]byte(refundOutTradeNo))
		if no == nil {
			return fmt.Errorf("%w: refund %s", ErrNotFound, refundOutTradeNo)
		}
		var err error
		o, err = get(tx, string(no))
		return err
	})
	return o, err
}

// Update changes an order in one transaction: it reads the order, calls fn
// with it, and saves what fn left, keeping every index right. It returns
// the saved order once it is on disk (fsynced).
//
// If fn returns an error nothing is saved and Update returns that error,
// wrapped. The log only grows: fn must not change OutTradeNo or CreatedAt,
// remove a refund, or change or remove History entries (ErrInvalid), nor
// reuse an out_trade_no for a new refund (ErrExists). fn must not call the
// Store: it runs inside the write transaction, which it holds until it
// returns, so keep it short and never call the network from it.
func (s *Store) Update(outTradeNo string, fn func(o *Order) error) (*Order, error) {
	var o *Order
	err := s.update(func(tx *bolt.Tx) error {
		old, err := get(tx, outTradeNo)
		if err != nil {
			return err
		}
		if o, err = get(tx, outTradeNo); err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return fmt.Errorf("store: update %s: %w", outTradeNo, err)
		}
		if o.OutTradeNo != old.OutTradeNo || !o.CreatedAt.Equal(old.CreatedAt) {
			return fmt.Errorf("%w: update %s: out_trade_no and created_at cannot change", ErrInvalid, outTradeNo)
		}
		if len(o.History) < len(old.History) || !slices.EqualFunc(o.History[:len(old.History)], old.History, sameChange) {
			return fmt.Errorf("%w: update %s: history can only be added to", ErrInvalid, outTradeNo)
		}
		normalize(o)
		if err := check(o); err != nil {
			return err
		}
		return write(tx, o, old)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

func sameChange(a, b Change) bool {
	return a.At.Equal(b.At) && a.From == b.From && a.To == b.To && a.Cause == b.Cause && a.RespCd == b.RespCd
}

// NotFinal returns, oldest first, the orders whose State is not Final and
// those with a refund still RefundCreating or RefundUnknown: the ones to
// query QFPay about on start-up. It reads the open index, not every order.
func (s *Store) NotFinal() ([]*Order, error) {
	var out []*Order
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOpen).ForEach(func(k, _ []byte) error {
			o, err := get(tx, string(k))
			if err != nil {
				return fmt.Errorf("store: open index: %w", err)
			}
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Order) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.OutTradeNo, b.OutTradeNo))
	})
	return out, nil
}

// get decodes one order; the result shares nothing with the transaction.
func get(tx *bolt.Tx, outTradeNo string) (*Order, error) {
	v := tx.Bucket(bucketOrders).Get([]byte(outTradeNo))
	if v == nil {
		return nil, fmt.Errorf("%w: order %s", ErrNotFound, outTradeNo)
	}
	return decode(v)
}

// write saves o and brings every index in line with it. old is the stored
// version o replaces, nil for a new order.
func write(tx *bolt.Tx, o, old *Order) error {
	orders := tx.Bucket(bucketOrders)
	byTime := tx.Bucket(bucketByTime)
	refunds := tx.Bucket(bucketRefunds)
	orders.FillPercent = fillPercent
	byTime.FillPercent = fillPercent
	key := []byte(o.OutTradeNo)

	if old == nil && (orders.Get(key) != nil || refunds.Get(key) != nil) {
		return fmt.Errorf("%w: %s", ErrExists, o.OutTradeNo)
	}
	had := map[string]bool{}
	if old != nil {
		for _, r := range old.Refunds {
			had[r.OutTradeNo] = true
		}
	}
	seen := map[string]bool{o.OutTradeNo: true}
	for _, r := range o.Refunds {
		if seen[r.OutTradeNo] {
			return fmt.Errorf("%w: refund %s of order %s", ErrExists, r.OutTradeNo, o.OutTradeNo)
		}
		seen[r.OutTradeNo] = true
		if had[r.OutTradeNo] {
			continue
		}
		rk := []byte(r.OutTradeNo)
		if orders.Get(rk) != nil || refunds.Get(rk) != nil {
			return fmt.Errorf("%w: refund %s of order %s", ErrExists, r.OutTradeNo, o.OutTradeNo)
		}
		if err := refunds.Put(rk, key); err != nil {
			return err
		}
	}
	for no := range had {
		if !seen[no] {
			return fmt.Errorf("%w: order %s: refund %s cannot be removed", ErrInvalid, o.OutTradeNo, no)
		}
	}

	if err := orders.Put(key, encodeOrder(nil, o)); err != nil {
		return err
	}
	tk := timeKey(o.CreatedAt, o.OutTradeNo)
	if err := byTime.Put(tk, summarize(o).encode()); err != nil {
		return err
	}
	if old == nil {
		if err := indexNumber(tx, tk); err != nil {
			return err
		}
	}
	var err error
	if o.Pending() {
		err = tx.Bucket(bucketOpen).Put(key, []byte{})
	} else {
		err = tx.Bucket(bucketOpen).Delete(key)
	}
	if err != nil || old != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	n, err := getUint(meta, keyCount)
	if err != nil {
		return err
	}
	return putUint(meta, keyCount, n+1)
}
