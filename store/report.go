package store

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/qfpos/qfpos/money"
	bolt "go.etcd.io/bbolt"
)

// DefaultListLimit is the page size of List when ListQuery.Limit is not set.
const DefaultListLimit = 50

// ListQuery selects orders for List.
type ListQuery struct {
	From, To time.Time // CreatedAt in [From, To); a zero time is no bound
	State    State     // only orders in this state; "" for any
	Search   string    // only out_trade_nos containing this, ignoring ASCII case; "" for any
	Limit    int       // page size; 0 or less means DefaultListLimit
	Cursor   string    // "" for the first page, else the next cursor List returned
}

// List returns one page of the orders ListQuery selects, newest first, and
// the cursor of the next page ("" when there is none). Pass it back in
// ListQuery.Cursor, with the rest of the query unchanged, for the next
// page: paging gives every order exactly once, even while new ones come in.
//
// It walks the time index over the range (for a Search, the search index
// of search.go) and decodes only the orders it returns.
func (s *Store) List(q ListQuery) (orders []*Order, next string, err error) {
	return s.list(q, q.Search != "")
}

// list is List; with readAhead the kernel reads ahead meanwhile (see
// readahead_linux.go): for a search, which reads the whole search index,
// and the exports. A day view stays with single-page reads, as do the
// short ranges recovery lists for each open sale.
func (s *Store) list(q ListQuery, readAhead bool) (orders []*Order, next string, err error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	var after []byte
	if q.Cursor != "" {
		after, err = base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(after) <= 8 {
			return nil, "", fmt.Errorf("%w: cursor %q", ErrInvalid, q.Cursor)
		}
	}
	search := newMatcher(q.Search)
	err = s.view(func(tx *bolt.Tx) error {
		if readAhead {
			defer s.ra.start(s.db, tx)()
		}
		ob := tx.Bucket(bucketOrders)
		var last []byte
		each := func(k, v []byte) (bool, error) {
			if q.State != "" {
				sum, err := decodeSummary(v)
				if err != nil {
					return false, err
				}
				if sum.state != q.State {
					return true, nil
				}
			}
			if len(orders) == limit {
				next = base64.RawURLEncoding.EncodeToString(last)
				return false, nil
			}
			o, err := orderAt(ob, k)
			if err != nil {
				return false, err
			}
			orders = append(orders, o)
			last = bytes.Clone(k)
			return true, nil
		}
		if search != nil {
			return searchIndex(tx, search, bound(q.From), bound(q.To), after, each)
		}
		return scan(tx, q.From, q.To, true, after, each)
	})
	if err != nil {
		return nil, "", err
	}
	return orders, next, nil
}

// matcher is a fragment of out_trade_no to search for, ignoring ASCII
// case: it is folded once, and matched as bytes against the numbers the
// search index holds folded (search.go).
type matcher struct {
	upper []byte // the fragment in upper case
	none  bool   // it holds a byte no out_trade_no has
}

// newMatcher returns nil for an empty fragment, which matches everything.
func newMatcher(fragment string) *matcher {
	if fragment == "" {
		return nil
	}
	m := &matcher{upper: make([]byte, len(fragment))}
	for i := 0; i < len(fragment); i++ {
		c := fragment[i]
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !isAlnum(c) && c != '_' && c != '|' && c != '*':
			m.none = true
		}
		m.upper[i] = c
	}
	return m
}

// Total is the sum of the orders of one currency in one state.
type Total struct {
	Currency string
	State    State
	Count    int   // number of orders
	Amount   int64 // sum of their txamt, minor units
	Refunded int64 // sum of their done refunds, minor units
}

// stateOrder is the order Totals lists states in.
var stateOrder = []State{StateCreating, StateAwaiting, StateUnknown, StatePaid, StateFailed, StateExpired, StateCancelled}

// jsapiSaleSpan bounds how long after its sale's 800201 order a WeChat
// JSAPI attempt can be created: attempts are opened only while the sale
// runs, at most its QR's expiry (120 minutes) and the closing after it.
// Totals looks this far past its range for the attempts of its sales.
const jsapiSaleSpan = 6 * time.Hour

// Totals sums the sales with CreatedAt in [from, to) by currency and
// state, sorted by currency, then state in the order of their constants.
// A day is whatever the caller says: pass the bounds of the local day. It
// reads the time index, and the orders for whether they are JSAPI attempts.
//
// A sale is counted once, as what it ended as. An ordinary sale is its
// order. A WeChat JSAPI sale (its 800201 order and its attempts, see
// Order.Parent) is counted on the day of its 800201 order: as the attempt
// that paid it, if one did; else as unknown if an attempt's outcome is not
// known while the 800201 order's is; else as its 800201 order. Attempts
// that did not pay are never counted on their own. Money received twice
// (the QR and an attempt, or two attempts) is counted as two paid orders,
// each with its amount: it was received, and reconcile lists it to refund.
func (s *Store) Totals(from, to time.Time) ([]Total, error) {
	type group struct {
		currency string
		state    State
	}
	sums := map[group]*Total{}
	add := func(sum summary) {
		t := sums[group{sum.currency, sum.state}]
		if t == nil {
			t = &Total{Currency: sum.currency, State: sum.state}
			sums[group{sum.currency, sum.state}] = t
		}
		t.Count++
		t.Amount += sum.amount
		t.Refunded += sum.refunded
	}
	type sale struct {
		no  string
		sum summary
	}
	type attempt struct {
		sum   summary
		inDay bool // CreatedAt in [from, to)
	}
	err := s.view(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOrders)
		var sales []sale
		attempts := map[string][]attempt{} // by parent
		end, hi := time.Time{}, bound(to)
		if !to.IsZero() {
			end = to.Add(jsapiSaleSpan)
		}
		err := scan(tx, from, end, false, nil, func(k, v []byte) (bool, error) {
			sum, err := decodeSummary(v)
			if err != nil {
				return false, err
			}
			inDay := hi == nil || bytes.Compare(k[:8], hi) < 0
			parent, err := attemptParent(ob, k)
			if err != nil {
				return false, err
			}
			switch {
			case parent != "":
				attempts[parent] = append(attempts[parent], attempt{sum, inDay})
			case inDay:
				sales = append(sales, sale{string(k[8:]), sum})
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, sl := range sales {
			as := attempts[sl.no]
			delete(attempts, sl.no)
			var paid []summary
			open := false
			for _, a := range as {
				switch {
				case a.sum.state == StatePaid:
					paid = append(paid, a.sum)
				case !a.sum.state.Final():
					open = true
				}
			}
			switch {
			case len(paid) > 0:
				if sl.sum.state == StatePaid {
					add(sl.sum) // paid twice
				}
				for _, p := range paid {
					add(p)
				}
			case open && sl.sum.state.Final() && sl.sum.state != StatePaid:
				u := sl.sum
				u.state = StateUnknown
				add(u)
			default:
				add(sl.sum)
			}
		}
		// Attempts of sales begun before from are counted on their day;
		// one whose 800201 order is missing is counted on its own.
		for parent, as := range attempts {
			if ob.Get([]byte(parent)) != nil {
				continue
			}
			for _, a := range as {
				if a.inDay {
					add(a.sum)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Total, 0, len(sums))
	for _, t := range sums {
		out = append(out, *t)
	}
	rank := func(s State) int {
		if i := slices.Index(stateOrder, s); i >= 0 {
			return i
		}
		return len(stateOrder)
	}
	slices.SortFunc(out, func(a, b Total) int {
		return cmp.Or(cmp.Compare(a.Currency, b.Currency), cmp.Compare(rank(a.State), rank(b.State)), cmp.Compare(a.State, b.State))
	})
	return out, nil
}

// HourlyPaid sums, per currency, the txamt of paid orders with CreatedAt in
// [from, to) by the hour of CreatedAt in loc (nil means UTC): index 9 is
// 09:00–09:59. Refunds are not deducted (Totals has them). On a day when
// clocks go back, the repeated hour adds into one bar. It reads the time
// index only.
func (s *Store) HourlyPaid(from, to time.Time, loc *time.Location) (map[string][24]int64, error) {
	if loc == nil {
		loc = time.UTC
	}
	out := map[string][24]int64{}
	err := s.view(func(tx *bolt.Tx) error {
		return scan(tx, from, to, false, nil, func(k, v []byte) (bool, error) {
			sum, err := decodeSummary(v)
			if err != nil {
				return false, err
			}
			if sum.state != StatePaid {
				return true, nil
			}
			hours := out[sum.currency]
			hours[keyTime(k).In(loc).Hour()] += sum.amount
			out[sum.currency] = hours
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// exportColumns is the header row of ExportCSV.
var exportColumns = []string{"created_at", "out_trade_no", "syssn", "state", "currency", "txamt", "amount", "goods_name", "paid_at", "refunded", "respcd"}

// exportChunk is how many orders ExportCSV reads per transaction, so that
// a slow writer never holds a read transaction open for long.
const exportChunk = 512

// ExportCSV writes the orders with CreatedAt in [from, to), oldest first,
// as CSV: a header row, then one row per order with
//
//	created_at    RFC 3339, UTC
//	out_trade_no  ours
//	syssn         QFPay's, once known
//	state         as in State
//	currency      ISO 4217
//	txamt         integer, minor units
//	amount        decimal in major units, by the currency's exponent
//	              (HKD 1250 → 12.50, JPY 500 → 500; empty for a currency
//	              package money does not know)
//	goods_name    as sent; a leading = + - @ is escaped with ' so that
//	              spreadsheets do not run it as a formula
//	paid_at       RFC 3339, UTC, or empty
//	refunded      done refunds, decimal like amount
//	respcd        the last respcd seen
//
// The store holds no secret, so neither does the export.
func (s *Store) ExportCSV(w io.Writer, from, to time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	decimal := decimals()
	var after []byte
	for {
		var chunk []*Order
		err := s.view(func(tx *bolt.Tx) error {
			defer s.ra.start(s.db, tx)()
			ob := tx.Bucket(bucketOrders)
			return scan(tx, from, to, false, after, func(k, _ []byte) (bool, error) {
				o, err := orderAt(ob, k)
				if err != nil {
					return false, err
				}
				chunk = append(chunk, o)
				if len(chunk) == exportChunk {
					after = bytes.Clone(k)
					return false, nil
				}
				return true, nil
			})
		})
		if err != nil {
			return err
		}
		for _, o := range chunk {
			paidAt := ""
			if !o.PaidAt.IsZero() {
				paidAt = o.PaidAt.UTC().Format(time.RFC3339)
			}
			err := cw.Write([]string{
				o.CreatedAt.UTC().Format(time.RFC3339),
				o.OutTradeNo,
				o.SysSN,
				string(o.State),
				o.Currency,
				strconv.FormatInt(o.Amount, 10),
				decimal(o.Amount, o.Currency),
				spreadsheetSafe(o.GoodsName),
				paidAt,
				decimal(o.Refunded(), o.Currency),
				o.RespCd,
			})
			if err != nil {
				return err
			}
		}
		if len(chunk) < exportChunk {
			break
		}
	}
	cw.Flush()
	return cw.Error()
}

// spreadsheetSafe escapes text a spreadsheet would read as a formula.
func spreadsheetSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// orderAt decodes the order a by_time key points at.
// attemptParent is the Parent of the order of by_time key k: "" unless it
// is a WeChat JSAPI attempt. Only orders that may have one are decoded.
func attemptParent(ob *bolt.Bucket, k []byte) (string, error) {
	data := ob.Get(k[8:])
	if data == nil {
		return "", fmt.Errorf("store: by_time entry %q has no order", k[8:])
	}
	parent, err := parentOf(data)
	if err != nil {
		return "", fmt.Errorf("store: order %q: %w", k[8:], err)
	}
	return parent, nil
}

func orderAt(ob *bolt.Bucket, k []byte) (*Order, error) {
	data := ob.Get(k[8:])
	if data == nil {
		return nil, fmt.Errorf("store: by_time entry %q has no order", k[8:])
	}
	return decode(data)
}

// ExportJSON writes the orders q selects, newest first, at most max of
// them (0: all), as the JSON array `qfpos orders --json` prints: each
// order under the tags of Order, plus "amount", txamt in major units (the
// integer for a currency package money does not know). q.Limit and
// q.Cursor are ignored. It reads exportChunk orders per transaction and
// writes them as it goes, so memory stays flat whatever the range; it
// returns how many orders it wrote.
func (s *Store) ExportJSON(w io.Writer, q ListQuery, max int) (n int, err error) {
	decimal := decimals()
	var buf []byte
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("[")
	q.Cursor = ""
	for {
		q.Limit = exportChunk
		if max > 0 {
			q.Limit = min(exportChunk, max-n)
		}
		page, next, err := s.list(q, true)
		if err != nil {
			return n, err
		}
		for _, o := range page {
			amount := decimal(o.Amount, o.Currency)
			if amount == "" {
				amount = strconv.FormatInt(o.Amount, 10)
			}
			if n == 0 {
				buf = append(buf[:0], "\n  "...)
			} else {
				buf = append(buf[:0], ",\n  "...)
			}
			buf = appendJSONRow(buf, o, amount)
			if _, err := bw.Write(buf); err != nil {
				return n, err
			}
			n++
		}
		if next == "" || max > 0 && n >= max {
			break
		}
		q.Cursor = next
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return n, bw.Flush()
}

// decimals returns a function giving minor units of a currency in major
// units ("" for a currency package money does not know), caching lookups.
func decimals() func(minor int64, code string) string {
	currencies := map[string]*money.Currency{}
	return func(minor int64, code string) string {
		c, ok := currencies[code]
		if !ok {
			if cur, err := money.Lookup(code); err == nil {
				c = &cur
			}
			currencies[code] = c
		}
		if c == nil {
			return ""
		}
		return c.Decimal(minor)
	}
}
