package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// An order is stored in a compact binary form (schema 2), about a third
// of its JSON and several times faster to read: listing a day decodes
// every order of it. Files of schema 1 hold JSON; the migration to schema
// 2 rewrites them (see recode), and decode still reads both, told apart by
// the first byte ('{' is JSON).
//
// The binary form: byte orderBinary, then the fields of Order in this
// order, each string as a uvarint length and its bytes, each int64 as a
// varint, each time as a varint of its Unix seconds and a uvarint of its
// nanoseconds (the zero time reads back as the zero time), each slice as a
// uvarint count and its elements:
//
//	Parent (first, so Totals reads it without decoding the rest),
//	OutTradeNo, PayType, Amount, Currency, GoodsName, CreatedAt, TxDtm,
//	Zone, SysSN, QRCode, ExpiresAt, State, RespCd, RespMsg, PaidAt,
//	Refunds (OutTradeNo, Amount, SysSN, TxDtm, State, RespCd, RespMsg,
//	CreatedAt), History (At, From, To, Cause, RespCd).
//
// A field added to Order needs a new format byte and a migration.
const orderBinary = 0x02

var errCorrupt = errors.New("store: corrupt order")

// encodeOrder appends the binary form of o to b.
func encodeOrder(b []byte, o *Order) []byte {
	b = append(b, orderBinary)
	b = appendString(b, o.Parent)
	b = appendString(b, o.OutTradeNo)
	b = appendString(b, o.PayType)
	b = binary.AppendVarint(b, o.Amount)
	b = appendString(b, o.Currency)
	b = appendString(b, o.GoodsName)
	b = appendTime(b, o.CreatedAt)
	b = appendString(b, o.TxDtm)
	b = appendString(b, o.Zone)
	b = appendString(b, o.SysSN)
	b = appendString(b, o.QRCode)
	b = appendTime(b, o.ExpiresAt)
	b = appendString(b, string(o.State))
	b = appendString(b, o.RespCd)
	b = appendString(b, o.RespMsg)
	b = appendTime(b, o.PaidAt)
	b = binary.AppendUvarint(b, uint64(len(o.Refunds)))
	for _, r := range o.Refunds {
		b = appendString(b, r.OutTradeNo)
		b = binary.AppendVarint(b, r.Amount)
		b = appendString(b, r.SysSN)
		b = appendString(b, r.TxDtm)
		b = appendString(b, string(r.State))
		b = appendString(b, r.RespCd)
		b = appendString(b, r.RespMsg)
		b = appendTime(b, r.CreatedAt)
	}
	b = binary.AppendUvarint(b, uint64(len(o.History)))
	for _, c := range o.History {
		b = appendTime(b, c.At)
		b = appendString(b, string(c.From))
		b = appendString(b, string(c.To))
		b = appendString(b, c.Cause)
		b = appendString(b, c.RespCd)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTime(b []byte, t time.Time) []byte {
	return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond()))
}

// decode reads a stored order in either form; the result shares nothing
// with v (which bbolt owns).
func decode(v []byte) (*Order, error) {
	if len(v) > 0 && v[0] == '{' {
		o := new(Order)
		if err := json.Unmarshal(v, o); err != nil {
			return nil, fmt.Errorf("store: corrupt order: %w", err)
		}
		return o, nil
	}
	if len(v) == 0 || v[0] != orderBinary {
		return nil, fmt.Errorf("%w: unknown format %x", errCorrupt, v[:min(len(v), 1)])
	}
	// All strings are cut from one copy of v: one allocation, not twenty.
	d := decoder{s: string(v), i: 1}
	o := new(Order)
	o.Parent = d.str()
	o.OutTradeNo = d.str()
	o.PayType = d.str()
	o.Amount = d.varint()
	o.Currency = d.str()
	o.GoodsName = d.str()
	o.CreatedAt = d.time()
	o.TxDtm = d.str()
	o.Zone = d.str()
	o.SysSN = d.str()
	o.QRCode = d.str()
	o.ExpiresAt = d.time()
	o.State = State(d.str())
	o.RespCd = d.str()
	o.RespMsg = d.str()
	o.PaidAt = d.time()
	if n := d.count(); n > 0 {
		o.Refunds = make([]Refund, n)
		for i := range o.Refunds {
			r := &o.Refunds[i]
			r.OutTradeNo = d.str()
			r.Amount = d.varint()
			r.SysSN = d.str()
			r.TxDtm = d.str()
			r.State = RefundState(d.str())
			r.RespCd = d.str()
			r.RespMsg = d.str()
			r.CreatedAt = d.time()
		}
	}
	if n := d.count(); n > 0 {
		o.History = make([]Change, n)
		for i := range o.History {
			c := &o.History[i]
			c.At = d.time()
			c.From = State(d.str())
			c.To = State(d.str())
			c.Cause = d.str()
			c.RespCd = d.str()
		}
	}
	if d.bad || d.i != len(d.s) {
		return nil, fmt.Errorf("%w: %d bytes do not read", errCorrupt, len(v))
	}
	return o, nil
}

// parentOf is the Parent of a stored order, reading no more than needed.
func parentOf(v []byte) (string, error) {
	if len(v) > 0 && v[0] == orderBinary {
		n, k := binary.Uvarint(v[1:])
		if k <= 0 || n > uint64(len(v)-1-k) {
			return "", fmt.Errorf("%w: parent", errCorrupt)
		}
		return string(v[1+k : 1+k+int(n)]), nil
	}
	if !bytes.Contains(v, []byte(`"parent":`)) { // JSON, of schema 1
		return "", nil
	}
	o, err := decode(v)
	if err != nil {
		return "", err
	}
	return o.Parent, nil
}

// decoder reads the binary form; after the first error it reads zeros and
// bad is set.
type decoder struct {
	s   string
	i   int
	bad bool
}

func (d *decoder) uvarint() uint64 {
	var x uint64
	for shift := 0; shift < 64 && d.i < len(d.s); shift += 7 {
		c := d.s[d.i]
		d.i++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	d.bad, d.i = true, len(d.s)
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.bad, d.i = true, len(d.s)
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

// count is a slice length, at most what the bytes left could hold.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.bad, d.i = true, len(d.s)
		return 0
	}
	return int(n)
}

func (d *decoder) time() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.bad = true
		return time.Time{}
	}
	if sec == zeroUnix && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// zeroUnix is time.Time{}.Unix().
const zeroUnix = -62135596800
