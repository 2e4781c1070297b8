package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
)

// witness sits in front of a sandbox. It counts the payment requests that
// reach it per out_trade_no (whatever their fate: faulted, refused or
// created), which is how the soak sees an out_trade_no sent twice, and,
// with monthRule, applies QFPay's month rule to queries (qfpay-api.md §4):
// a query with neither syssn nor start_time/end_time sees only the orders
// created in the current month, in the sandbox's zone.
type witness struct {
	h         http.Handler
	now       func() time.Time
	loc       *time.Location
	key       string
	monthRule bool

	mu      sync.Mutex
	creates map[string]int
}

func newWitness(srv *sandbox.Server, now func() time.Time, loc *time.Location, monthRule bool) *witness {
	return &witness{h: srv, now: now, loc: loc, key: sandbox.DefaultClientKey, monthRule: monthRule, creates: map[string]int{}}
}

// sends is how many payment requests for out_trade_no reached the sandbox.
func (w *witness) sends(no string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.creates[no]
}

func (w *witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/trade/v1/payment":
		if err := r.ParseForm(); err == nil {
			if no := r.Form.Get("out_trade_no"); no != "" {
				w.mu.Lock()
				w.creates[no]++
				w.mu.Unlock()
			}
		}
	case "/trade/v1/query":
		if !w.monthRule || r.ParseForm() != nil || r.Form.Get("syssn") != "" || r.Form.Get("start_time") != "" || r.Form.Get("end_time") != "" {
			break
		}
		// A dropped answer panics out of here with http.ErrAbortHandler
		// (buffer cannot be hijacked): the connection is cut, as wanted.
		b := &buffer{header: http.Header{}, status: http.StatusOK}
		w.h.ServeHTTP(b, r)
		body := b.body.Bytes()
		if b.status == http.StatusOK {
			if filtered, ok := w.thisMonth(body); ok {
				body = filtered
				b.header.Set("X-QF-SIGN", payment.BodySignature(body, w.key))
			}
		}
		for k, v := range b.header {
			rw.Header()[k] = v
		}
		rw.WriteHeader(b.status)
		rw.Write(body)
		return
	}
	w.h.ServeHTTP(rw, r)
}

// thisMonth drops from a query answer the records not created in the
// current month.
func (w *witness) thisMonth(body []byte) ([]byte, bool) {
	var ans map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&ans) != nil {
		return nil, false
	}
	data, ok := ans["data"].([]any)
	if !ok {
		return nil, false
	}
	now := w.now().In(w.loc)
	kept := []any{}
	for _, d := range data {
		rec, _ := d.(map[string]any)
		s, _ := rec["sysdtm"].(string)
		t, err := time.ParseInLocation(payment.TimeLayout, s, w.loc)
		if err == nil && (t.Year() != now.Year() || t.Month() != now.Month()) {
			continue
		}
		kept = append(kept, d)
	}
	ans["data"] = kept
	var out strings.Builder
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if enc.Encode(ans) != nil {
		return nil, false
	}
	return []byte(strings.TrimSuffix(out.String(), "\n")), true
}

// buffer is an http.ResponseWriter that keeps the answer.
type buffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffer) Header() http.Header         { return b.header }
func (b *buffer) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *buffer) WriteHeader(code int)        { b.status = code }
