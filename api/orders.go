package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
)

// RefundRequest is the body of POST /v1/orders/{out_trade_no}/refunds.
type RefundRequest struct {
	Amount string `json:"amount,omitempty"` // decimal; "" = all that is left
}

// Refund is a refund as the API shows it.
type Refund struct {
	OutTradeNo string `json:"out_trade_no"` // the refund's own
	Order      string `json:"order"`        // the order refunded
	Amount     string `json:"amount"`
	Txamt      int64  `json:"txamt"`
	Currency   string `json:"currency"`
	State      string `json:"state"` // done, failed, or not known yet (reconcile settles it)
	SysSN      string `json:"syssn,omitempty"`
	Message    string `json:"message,omitempty"`
}

type refundEntry struct {
	fp   string
	done chan struct{}
	code int
	body any
}

const maxRefundKeys = 1024

func (s *Server) refund(w http.ResponseWriter, r *http.Request) {
	no := r.PathValue("id")
	key := r.Header.Get("Idempotency-Key")
	if !validKey(key) {
		badRequest(w, "Idempotency-Key", "required, 1 to 200 printable ASCII characters: a retry with the same key never refunds twice")
		return
	}
	var req RefundRequest
	if !decode(w, r, &req) {
		return
	}
	eng := s.cfg.Engine
	o, err := eng.Store().Get(no)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "out_trade_no", "there is no order "+no)
		return
	}
	cur, err := money.Lookup(o.Currency)
	if err != nil {
		writeError(w, http.StatusConflict, "not_refundable", "", err.Error())
		return
	}
	var amount int64
	if req.Amount != "" {
		if amount, err = cur.Parse(req.Amount, o.Amount); err != nil {
			badRequest(w, "amount", fmt.Sprintf("%q: %v", req.Amount, err))
			return
		}
	}
	fp := no + "|" + strconv.FormatInt(amount, 10)
	s.mu.Lock()
	if e, ok := s.refunds[key]; ok {
		s.mu.Unlock()
		if e.fp != fp {
			writeError(w, http.StatusUnprocessableEntity, "key_reused", "Idempotency-Key", "this key was used for another refund")
			return
		}
		select {
		case <-e.done:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, e.code, e.body)
		return
	}
	e := &refundEntry{fp: fp, done: make(chan struct{})}
	s.refunds[key] = e
	s.refOrder = append(s.refOrder, key)
	for len(s.refOrder) > maxRefundKeys {
		delete(s.refunds, s.refOrder[0])
		s.refOrder = s.refOrder[1:]
	}
	s.mu.Unlock()

	// The refund runs to its end even if the caller goes away.
	ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
	ref, err := eng.Refund(ctx, no, amount)
	cancel()
	switch {
	case ref.OutTradeNo == "" && err != nil:
		// Nothing was created: the key is freed for a retry.
		s.mu.Lock()
		delete(s.refunds, key)
		s.mu.Unlock()
		switch {
		case errors.Is(err, checkout.ErrRefundTooMuch):
			e.code, e.body = http.StatusBadRequest, Error{Error: "bad_request", Field: "amount", Message: err.Error()}
		case errors.Is(err, checkout.ErrNotRefundable):
			e.code, e.body = http.StatusConflict, Error{Error: "not_refundable", Message: err.Error()}
		default:
			e.code, e.body = http.StatusServiceUnavailable, Error{Error: "unavailable", Message: err.Error()}
		}
	default:
		out := Refund{OutTradeNo: ref.OutTradeNo, Order: no, Amount: cur.Decimal(ref.Amount), Txamt: ref.Amount,
			Currency: o.Currency, State: string(ref.State), SysSN: ref.SysSN}
		if err != nil {
			out.Message = err.Error()
		}
		e.code, e.body = http.StatusOK, out
	}
	close(e.done)
	writeJSON(w, e.code, e.body)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.cfg.Engine.Store().Get(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "out_trade_no", "there is no order "+r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// bounds reads from/to as the CLI does; false when it answered 400.
func (s *Server) bounds(w http.ResponseWriter, r *http.Request) (time.Time, time.Time, bool) {
	q := r.URL.Query()
	from := q.Get("from")
	if from == "" {
		from = "today"
	}
	f, t, err := s.cfg.Ranges.Bounds(from, q.Get("to"))
	if err != nil {
		field := "from"
		if _, _, e2 := s.cfg.Ranges.Bounds(from, ""); e2 == nil {
			field = "to"
		}
		badRequest(w, field, err.Error())
		return f, t, false
	}
	return f, t, true
}

func validState(s store.State) bool {
	switch s {
	case store.StateCreating, store.StateAwaiting, store.StateUnknown, store.StatePaid, store.StateFailed, store.StateExpired, store.StateCancelled:
		return true
	}
	return false
}

// orders streams the orders of a range as the JSON array `qfpos orders
// --json` prints (from, to, state, limit as the CLI's flags).
func (s *Server) orders(w http.ResponseWriter, r *http.Request) {
	from, to, ok := s.bounds(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	state := store.State(q.Get("state"))
	if state != "" && !validState(state) {
		badRequest(w, "state", "use creating, awaiting, unknown, paid, failed, expired or cancelled")
		return
	}
	limit := 0
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			badRequest(w, "limit", "a whole number, 0 for all")
			return
		}
		limit = n
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	s.longWrite(w)
	s.cfg.Engine.Store().ExportJSON(w, store.ListQuery{From: from, To: to, State: state}, limit)
}

// longWrite gives an answer that streams a whole range more time.
func (s *Server) longWrite(w http.ResponseWriter) {
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(10 * time.Minute))
}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) {
	from, to, ok := s.bounds(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	s.longWrite(w)
	s.cfg.Engine.Store().ExportCSV(w, from, to)
}

func (s *Server) day(w http.ResponseWriter, r *http.Request) (time.Time, bool) {
	d := r.URL.Query().Get("day")
	if d == "" {
		d = "today"
	}
	t, err := s.cfg.Ranges.Day(d)
	if err != nil {
		badRequest(w, "day", err.Error())
		return t, false
	}
	return t, true
}

// Report is the answer of GET /v1/report, as `qfpos report --json`.
type Report struct {
	Day    string        `json:"day"`
	Totals []store.Total `json:"totals"`
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	d, ok := s.day(w, r)
	if !ok {
		return
	}
	from, to := checkout.DayBounds(d, s.cfg.Engine.Settings().Location)
	totals, err := s.cfg.Engine.Store().Totals(from, to)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, Report{Day: from.Format("2006-01-02"), Totals: totals})
}

// Reconciliation is the answer of POST /v1/reconcile.
type Reconciliation struct {
	Settled    []Settled           `json:"settled"`
	StillOpen  int                 `json:"still_open"`
	Day        string              `json:"day,omitempty"`
	Mismatches []checkout.Mismatch `json:"mismatches"`
	DayError   string              `json:"day_error,omitempty"` // QFPay's records could not be read
}

// Settled is one unfinished order reconcile settled (or could not).
type Settled struct {
	OutTradeNo string `json:"out_trade_no"`
	From       string `json:"from"`
	To         string `json:"to"`
	Note       string `json:"note"`
	Error      string `json:"error,omitempty"`
}

func (s *Server) reconcile(w http.ResponseWriter, r *http.Request) {
	d, ok := s.day(w, r)
	if !ok {
		return
	}
	noDay := r.URL.Query().Get("no_day") == "true"
	eng := s.cfg.Engine
	s.longWrite(w)
	ctx, cancel := context.WithTimeout(r.Context(), 9*time.Minute)
	defer cancel()
	settled, err := eng.Recover(ctx)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "", err.Error())
		return
	}
	out := Reconciliation{Settled: []Settled{}, Mismatches: []checkout.Mismatch{}}
	for _, st := range settled {
		e := Settled{OutTradeNo: st.OutTradeNo, From: string(st.From), To: string(st.To), Note: st.Note}
		if st.Err != nil {
			e.Error = st.Err.Error()
		}
		if !st.To.Final() {
			out.StillOpen++
		}
		out.Settled = append(out.Settled, e)
	}
	if !noDay {
		from, _ := checkout.DayBounds(d, eng.Settings().Location)
		out.Day = from.Format("2006-01-02")
		ms, err := eng.Reconcile(ctx, d)
		if err != nil {
			out.DayError = err.Error()
		} else if ms != nil {
			out.Mismatches = ms
		}
	}
	writeJSON(w, http.StatusOK, out)
}
