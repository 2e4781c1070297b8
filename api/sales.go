package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/store"
)

// SaleRequest is the body of POST /v1/sales.
type SaleRequest struct {
	Amount    string `json:"amount"`     // decimal in the currency's major unit, e.g. "12.50"
	GoodsName string `json:"goods_name"` // shown in WeChat, ≤64 characters
	// Timeout is how long to wait for the customer before cancelling: a
	// duration ("90s", "2m") or a number of seconds; 0 or absent = until
	// the QR expires.
	Timeout json.RawMessage `json:"timeout,omitempty"`
}

// Sale is a sale as the API shows it.
type Sale struct {
	ID         string     `json:"id"`           // the sale's first out_trade_no
	OutTradeNo string     `json:"out_trade_no"` // the order it is on now
	State      string     `json:"state"`        // creating, awaiting, unknown, paid, failed, expired, cancelled
	Final      bool       `json:"final"`        // the sale is over (an unknown one may still be resolved)
	Amount     string     `json:"amount"`       // decimal string
	Txamt      int64      `json:"txamt"`        // integer minor units
	Currency   string     `json:"currency"`
	GoodsName  string     `json:"goods_name,omitempty"`
	QRCode     string     `json:"qrcode,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RespCd     string     `json:"respcd,omitempty"`
	SysSN      string     `json:"syssn,omitempty"`
	Message    string     `json:"message,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	// PaidOutTradeNo is the WeChat JSAPI order that was paid, when the
	// customer paid in WeChat's browser; SysSN is then its syssn.
	PaidOutTradeNo string `json:"paid_out_trade_no,omitempty"`
}

// Event is one server-sent event of a sale.
type Event struct {
	ID   int    // 1, 2, … per sale: the SSE id, for Last-Event-ID
	Name string // qr, waiting, trouble, checking, paid, failed, expired, cancelled, unknown, resolved
	Data []byte // a JSON object
}

// saleRec is a sale the API started, with its events.
type saleRec struct {
	id   string
	fp   string // what was asked, to tell a reused idempotency key
	sale *checkout.Sale

	mu       sync.Mutex
	events   []Event
	next     int
	qr       string
	lastName string
	lastMsg  string
	last     checkout.Event
	final    bool // the sale is over
	closed   bool // no event will follow
	wake     chan struct{}
}

func (r *saleRec) isFinal() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.final
}

// push adds an event and wakes the streams; r.mu is held.
func (r *saleRec) push(name string, data map[string]any) {
	r.next++
	b, _ := json.Marshal(data)
	r.events = append(r.events, Event{ID: r.next, Name: name, Data: b})
	if len(r.events) > maxEvents {
		r.events = append(r.events[:0:0], r.events[len(r.events)-maxEvents:]...)
	}
	close(r.wake)
	r.wake = make(chan struct{})
}

// since is the events after id, a channel closed at the next one, and
// whether the stream is over.
func (r *saleRec) since(id int) ([]Event, <-chan struct{}, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.ID > id {
			out = append(out, e)
		}
	}
	return out, r.wake, r.closed
}

// observe turns the engine's events into the API's. It runs under the
// sale's lock (checkout.Sale.Watch): no blocking, no sale methods.
func (s *Server) observe(r *saleRec, ev checkout.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.final {
		return
	}
	r.last = ev
	base := map[string]any{"out_trade_no": ev.OutTradeNo, "state": string(ev.State)}
	if ev.QRCode != "" && ev.QRCode != r.qr && !ev.Final {
		r.qr = ev.QRCode
		r.push("qr", map[string]any{"out_trade_no": ev.OutTradeNo, "qrcode": ev.QRCode, "expires_at": ev.ExpiresAt.UTC(),
			"amount": s.decimal(ev.Currency, ev.Amount), "txamt": ev.Amount, "currency": ev.Currency})
	}
	if ev.Final {
		r.final = true
		base["message"], base["respcd"] = ev.Message, ev.RespCd
		if ev.PaidOutTradeNo != "" {
			base["paid_out_trade_no"] = ev.PaidOutTradeNo
		}
		r.push(string(ev.State), base)
		if ev.State == store.StateUnknown {
			go s.resolve(r, ev.OutTradeNo)
		} else {
			r.closed = true
		}
		return
	}
	name := ""
	switch {
	case ev.Trouble != nil:
		name = "trouble"
		base["trouble"] = ev.Trouble.Error()
	case ev.Checking:
		name = "checking"
	case ev.State == store.StateAwaiting:
		name = "waiting"
		base["time_left_s"] = int(ev.TimeLeft.Seconds())
	default:
		return
	}
	if name == r.lastName && ev.Message == r.lastMsg {
		return
	}
	r.lastName, r.lastMsg = name, ev.Message
	base["message"] = ev.Message
	r.push(name, base)
}

// resolve asks QFPay again about a sale that ended unknown, backing off
// from Recheck to a minute, for an hour at most, and says "resolved" with
// the state once it is settled.
func (s *Server) resolve(r *saleRec, no string) {
	defer func() {
		r.mu.Lock()
		if !r.closed {
			r.closed = true
			close(r.wake)
			r.wake = make(chan struct{})
		}
		r.mu.Unlock()
	}()
	wait := s.cfg.Recheck
	giveUp := time.Now().Add(time.Hour)
	for time.Now().Before(giveUp) {
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, time.Minute)
		o, err := s.cfg.Engine.Check(s.ctx, no)
		if err != nil || o == nil || !o.State.Final() {
			continue
		}
		r.mu.Lock()
		d := map[string]any{"out_trade_no": no, "state": string(o.State), "respcd": o.RespCd, "syssn": o.SysSN}
		if o.OutTradeNo != no {
			d["paid_out_trade_no"] = o.OutTradeNo
		}
		r.push("resolved", d)
		r.mu.Unlock()
		return
	}
}

func (s *Server) decimal(currency string, minor int64) string {
	if cur, err := money.Lookup(currency); err == nil {
		return cur.Decimal(minor)
	}
	return strconv.FormatInt(minor, 10)
}

type keyEntry struct {
	id   string
	fp   string
	when time.Time
}

// validKey checks an Idempotency-Key: 1–200 printable ASCII characters.
func validKey(k string) bool {
	if k == "" || len(k) > 200 {
		return false
	}
	for _, c := range k {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// parseTimeout reads "90s"/"2m" or a number of seconds.
func parseTimeout(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var d time.Duration
	var str string
	var n float64
	switch {
	case json.Unmarshal(raw, &str) == nil:
		var err error
		if d, err = time.ParseDuration(str); err != nil {
			return 0, fmt.Errorf("%q is not a duration (e.g. \"90s\", \"2m\")", str)
		}
	case json.Unmarshal(raw, &n) == nil:
		d = time.Duration(n * float64(time.Second))
	default:
		return 0, errors.New("a duration (\"90s\") or a number of seconds")
	}
	if d < 0 || d > 2*time.Hour {
		return 0, errors.New("from 0 (until the QR expires) to 2h")
	}
	return d, nil
}

func (s *Server) postSale(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !validKey(key) {
		badRequest(w, "Idempotency-Key", "1 to 200 printable ASCII characters, one per purchase")
		return
	}
	var req SaleRequest
	if !decode(w, r, &req) {
		return
	}
	eng := s.cfg.Engine
	if req.Amount == "" {
		badRequest(w, "amount", "required: a decimal string such as \"12.50\"")
		return
	}
	txamt, err := eng.ParseAmount(req.Amount)
	if err != nil {
		badRequest(w, "amount", fmt.Sprintf("%q: %v", req.Amount, err))
		return
	}
	goods := strings.TrimSpace(req.GoodsName)
	if len([]rune(goods)) > 64 || strings.IndexFunc(goods, unicode.IsControl) >= 0 {
		badRequest(w, "goods_name", "at most 64 characters, no control characters")
		return
	}
	timeout, err := parseTimeout(req.Timeout)
	if err != nil {
		badRequest(w, "timeout", err.Error())
		return
	}
	fp := fmt.Sprintf("%d|%s|%s", txamt, goods, timeout)

	s.startMu.Lock()
	defer s.startMu.Unlock()
	s.mu.Lock()
	if e, ok := s.keys[key]; ok && key != "" && time.Since(e.when) < keyTTL {
		rec := s.sales[e.id]
		s.mu.Unlock()
		if e.fp != fp {
			writeError(w, http.StatusUnprocessableEntity, "key_reused", "Idempotency-Key", "this key was used for another sale (amount, goods or timeout differ)")
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		s.writeSale(w, http.StatusOK, e.id, rec)
		return
	}
	if s.running != nil && !s.running.isFinal() {
		id := s.running.id
		s.mu.Unlock()
		writeJSON(w, http.StatusConflict, Error{Error: "busy", Message: "another sale is under way: wait for its end or cancel it", SaleID: id})
		return
	}
	s.mu.Unlock()

	creq := checkout.Request{Amount: txamt, GoodsName: goods, Timeout: timeout}
	var sale *checkout.Sale
	if till := s.cfg.Till(); till != nil {
		sale, err = till.StartSale(s.ctx, creq)
	} else {
		sale, err = eng.Start(s.ctx, creq)
	}
	switch {
	case errors.Is(err, app.ErrBusy):
		writeError(w, http.StatusConflict, "busy", "", "another sale is under way on the till: wait for its end")
		return
	case errors.Is(err, checkout.ErrInvalidAmount):
		badRequest(w, "amount", err.Error())
		return
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "", "the sale could not start: "+err.Error())
		return
	}
	rec := &saleRec{id: sale.OutTradeNo(), fp: fp, sale: sale, wake: make(chan struct{})}
	s.mu.Lock()
	s.addSale(rec)
	if key != "" {
		s.addKey(key, keyEntry{id: rec.id, fp: fp, when: time.Now()})
	}
	s.running = rec
	s.mu.Unlock()
	sale.Watch(func(ev checkout.Event) { s.observe(rec, ev) })
	s.cfg.Log.Info("api: sale started", "out_trade_no", rec.id, "txamt", txamt)
	s.writeSale(w, http.StatusCreated, rec.id, rec)
}

// addSale keeps rec, dropping the oldest final sale past maxSales; s.mu is held.
func (s *Server) addSale(rec *saleRec) {
	s.sales[rec.id] = rec
	s.order = append(s.order, rec.id)
	for len(s.order) > maxSales {
		old := s.sales[s.order[0]]
		if old != nil && !old.isFinal() {
			break
		}
		delete(s.sales, s.order[0])
		s.order = s.order[1:]
	}
}

// addKey keeps an idempotency key, dropping the oldest past maxKeys; s.mu is held.
func (s *Server) addKey(k string, e keyEntry) {
	if _, ok := s.keys[k]; !ok {
		s.keyOrder = append(s.keyOrder, k)
	}
	s.keys[k] = e
	for len(s.keyOrder) > maxKeys {
		delete(s.keys, s.keyOrder[0])
		s.keyOrder = s.keyOrder[1:]
	}
}

func (s *Server) rec(id string) *saleRec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sales[id]
}

// view is the sale id as it stands: the order in the file, with what the
// engine said last.
func (s *Server) view(id string, rec *saleRec) (*Sale, bool) {
	no, paidNo, msg, final := id, "", "", false
	if rec != nil {
		rec.mu.Lock()
		if rec.last.OutTradeNo != "" {
			no = rec.last.OutTradeNo
		}
		paidNo, msg, final = rec.last.PaidOutTradeNo, rec.last.Message, rec.final
		rec.mu.Unlock()
	}
	st := s.cfg.Engine.Store()
	o, err := st.Get(no)
	if err != nil {
		return nil, false
	}
	v := &Sale{
		ID: id, OutTradeNo: o.OutTradeNo, State: string(o.State), Final: final || o.State.Final(),
		Amount: s.decimal(o.Currency, o.Amount), Txamt: o.Amount, Currency: o.Currency, GoodsName: o.GoodsName,
		RespCd: o.RespCd, SysSN: o.SysSN, Message: msg, CreatedAt: o.CreatedAt, PaidOutTradeNo: paidNo,
	}
	if o.State == store.StateAwaiting || o.State == store.StateCreating {
		v.QRCode = o.QRCode
		if !o.ExpiresAt.IsZero() {
			exp := o.ExpiresAt.UTC()
			v.ExpiresAt = &exp
		}
	}
	if paidNo != "" {
		if p, err := st.Get(paidNo); err == nil {
			v.SysSN = p.SysSN
		}
	}
	return v, true
}

func (s *Server) writeSale(w http.ResponseWriter, code int, id string, rec *saleRec) {
	v, ok := s.view(id, rec)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "id", "there is no sale "+id)
		return
	}
	writeJSON(w, code, v)
}

func (s *Server) getSale(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.writeSale(w, http.StatusOK, id, s.rec(id))
}

// events streams a sale's events (Server-Sent Events) from after
// Last-Event-ID, until the last one.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec := s.rec(id)
	if rec == nil {
		v, ok := s.view(id, nil)
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "id", "there is no sale "+id)
			return
		}
		if !v.Final {
			writeError(w, http.StatusNotFound, "not_found", "id", "sale "+id+" was not started through this API; GET /v1/sales/"+id+" shows it")
			return
		}
		// A sale of the past: its outcome as the only event.
		b, _ := json.Marshal(map[string]any{"out_trade_no": v.OutTradeNo, "state": v.State, "respcd": v.RespCd})
		rec = &saleRec{id: id, events: []Event{{ID: 1, Name: v.State, Data: b}}, closed: true, wake: make(chan struct{})}
	}
	last := 0
	if h := r.Header.Get("Last-Event-ID"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 0 {
			badRequest(w, "Last-Event-ID", "the id of the last event received, a number")
			return
		}
		last = n
	}
	s.mu.Lock()
	if s.streams >= maxStreams {
		s.mu.Unlock()
		writeError(w, http.StatusTooManyRequests, "too_many_streams", "", "too many event streams are open")
		return
	}
	s.streams++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.streams--
		s.mu.Unlock()
	}()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	end := time.NewTimer(streamMaxLife)
	defer end.Stop()
	write := func(f func() error) bool {
		rc.SetWriteDeadline(time.Now().Add(writeWait))
		if f() != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(func() error { _, err := fmt.Fprint(w, "retry: 2000\n\n"); return err }) {
		return
	}
	for {
		evs, wake, closed := rec.since(last)
		for _, e := range evs {
			if !write(func() error {
				_, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Name, e.Data)
				return err
			}) {
				return
			}
			last = e.ID
		}
		if closed {
			return
		}
		select {
		case <-wake:
		case <-beat.C:
			if !write(func() error { _, err := fmt.Fprint(w, ": keep-alive\n\n"); return err }) {
				return
			}
		case <-end.C:
			return
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// cancelSale asks the sale to stop and answers its final state, which
// may be paid (a payment that landed meanwhile).
func (s *Server) cancelSale(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec := s.rec(id)
	if rec == nil || rec.sale == nil {
		v, ok := s.view(id, nil)
		switch {
		case !ok:
			writeError(w, http.StatusNotFound, "not_found", "id", "there is no sale "+id)
		case v.Final:
			writeJSON(w, http.StatusOK, v)
		default:
			writeError(w, http.StatusConflict, "not_here", "id", "sale "+id+" was not started through this API; cancel it where it runs")
		}
		return
	}
	rec.sale.Cancel()
	t := time.NewTimer(cancelWait)
	defer t.Stop()
	select {
	case <-rec.sale.Done():
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	s.writeSale(w, http.StatusOK, id, rec)
}
