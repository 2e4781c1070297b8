package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fillPercent is how full bbolt packs the pages of orders and by_time.
// Both grow at their end (keys start with a timestamp), where bbolt's
// default of one half would leave every page half empty.
const fillPercent = 0.9

// The times a by_time key can hold: those with a UnixNano.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// timePrefix is the 8-byte big-endian form of t in by_time keys. The sign
// bit is flipped so that times before 1970 sort before those after.
func timePrefix(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(t.UnixNano())^(1<<63))
}

// timeKey is the by_time key of an order.
func timeKey(createdAt time.Time, outTradeNo string) []byte {
	return append(timePrefix(createdAt), outTradeNo...)
}

// keyTime is the CreatedAt a by_time key holds.
func keyTime(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k)^(1<<63))).UTC()
}

// bound is the by_time prefix for a range end; nil (no bound) for the zero
// time. Times outside what UnixNano can hold are clamped.
func bound(t time.Time) []byte {
	switch {
	case t.IsZero():
		return nil
	case t.Before(minTime):
		t = minTime
	case t.After(maxTime):
		t = maxTime
	}
	return timePrefix(t)
}

// summary is the by_time value: what reports need without decoding orders.
type summary struct {
	state    State
	currency string
	amount   int64
	refunded int64
}

const summaryFormat = 1

func summarize(o *Order) summary {
	return summary{state: o.State, currency: o.Currency, amount: o.Amount, refunded: o.Refunded()}
}

func (s summary) encode() []byte {
	b := make([]byte, 0, 1+8+8+1+len(s.state)+1+len(s.currency))
	b = append(b, summaryFormat)
	b = binary.BigEndian.AppendUint64(b, uint64(s.amount))
	b = binary.BigEndian.AppendUint64(b, uint64(s.refunded))
	b = append(b, byte(len(s.state)))
	b = append(b, s.state...)
	b = append(b, byte(len(s.currency)))
	return append(b, s.currency...)
}

// decodeSummary reads a by_time value; the strings are copies.
func decodeSummary(b []byte) (summary, error) {
	var s summary
	if len(b) < 19 || b[0] != summaryFormat {
		return s, fmt.Errorf("store: corrupt by_time entry %x", b)
	}
	s.amount = int64(binary.BigEndian.Uint64(b[1:]))
	s.refunded = int64(binary.BigEndian.Uint64(b[9:]))
	rest := b[17:]
	n := int(rest[0])
	if len(rest) < 1+n+1 || len(rest) != 1+n+1+int(rest[1+n]) {
		return s, fmt.Errorf("store: corrupt by_time entry %x", b)
	}
	s.state = State(rest[1 : 1+n])
	s.currency = string(rest[2+n:])
	return s, nil
}

// scan calls fn with each by_time entry whose CreatedAt is in [from, to)
// (a zero time is no bound), newest first if desc, oldest first otherwise.
// With a non-nil after it starts past that key (before it, if desc). fn
// returns false to stop. k and v are valid only during the call.
func scan(tx *bolt.Tx, from, to time.Time, desc bool, after []byte, fn func(k, v []byte) (bool, error)) error {
	lo, hi := bound(from), bound(to)
	c := tx.Bucket(bucketByTime).Cursor()
	var k, v []byte
	if desc {
		start := hi
		if after != nil && (start == nil || bytes.Compare(after, start) < 0) {
			start = after
		}
		if start == nil {
			k, v = c.Last()
		} else if k, _ = c.Seek(start); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && (lo == nil || bytes.Compare(k, lo) >= 0); k, v = c.Prev() {
			if more, err := fn(k, v); !more || err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case after != nil && (lo == nil || bytes.Compare(after, lo) >= 0):
		if k, v = c.Seek(after); bytes.Equal(k, after) {
			k, v = c.Next()
		}
	case lo != nil:
		k, v = c.Seek(lo)
	default:
		k, v = c.First()
	}
	for ; k != nil && (hi == nil || bytes.Compare(k, hi) < 0); k, v = c.Next() {
		if more, err := fn(k, v); !more || err != nil {
			return err
		}
	}
	return nil
}
