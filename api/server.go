// Package api is qfpos's local terminal API: HTTP+JSON, the way cash
// registers drive a payment terminal. The one running qfpos that owns the
// order file (the cashier window, `qfpos serve` or `qfpos pay`) serves it,
// by default on a unix socket (or loopback) with a bearer token kept in a
// file only its user can read; on the LAN, optionally, only over TLS with
// qfpos's own certificate and the same token. See docs/integration.md.
//
// Every caller is taken as hostile: each request needs the token (401
// otherwise), requests are rate-limited (429), the tables of sales,
// idempotency keys and events are bounded, every server timeout is set
// (an event stream extends its own write deadline), bodies are capped, and
// bad input is answered 400 with a JSON error naming the field, with
// nothing stored or sent.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/checkout"
)

// Ranges reads the CLI's time filters, so the API and the command line
// agree: from/to of orders and export, the day of report and reconcile.
type Ranges interface {
	Bounds(from, to string) (time.Time, time.Time, error)
	Day(s string) (time.Time, error)
}

// Config is what a Server runs on.
type Config struct {
	Engine *checkout.Engine
	// Till is the window sales show on, nil (or returning nil) when
	// headless: sales then run on the engine directly.
	Till func() app.Till
	// Token is the bearer token every request must carry.
	Token  string
	Ranges Ranges
	Log    *slog.Logger
	Mode   string // sandbox, or the QFPay environment (health)
	// Recheck is the first wait before a sale that ended unknown is asked
	// again (default 5 s, doubling to a minute, for an hour at most).
	Recheck time.Duration
	// Rate and Burst limit requests per second (default 20, burst 40).
	Rate  float64
	Burst int
}

// Limits of the tables and the streams.
const (
	maxSales      = 256  // sales kept for GET and events, oldest final ones dropped first
	maxKeys       = 1024 // idempotency keys kept (each for a day at most)
	keyTTL        = 24 * time.Hour
	maxEvents     = 64 // events kept per sale
	maxStreams    = 32 // event streams open at once
	maxBody       = 16 << 10
	streamMaxLife = 2 * time.Hour
	heartbeat     = 15 * time.Second
	writeWait     = 10 * time.Second // per write of an event stream
	cancelWait    = 90 * time.Second
)

// Server is the API's handler.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	limiter *rate.Limiter   // requests with the token
	badAuth *rate.Limiter   // requests without it: their own, smaller bucket, so a stranger cannot use up the till's
	ctx     context.Context // sales run under it; Close ends it
	stop    context.CancelFunc

	startMu sync.Mutex // one POST /v1/sales at a time

	mu       sync.Mutex
	sales    map[string]*saleRec
	order    []string // sale ids, oldest first
	keys     map[string]keyEntry
	keyOrder []string
	running  *saleRec
	refunds  map[string]*refundEntry
	refOrder []string
	streams  int
}

// New makes the API's handler on cfg.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Till == nil {
		cfg.Till = func() app.Till { return nil }
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = 5 * time.Second
	}
	if cfg.Rate <= 0 {
		cfg.Rate, cfg.Burst = 20, 40
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, mux: http.NewServeMux(), limiter: rate.NewLimiter(rate.Limit(cfg.Rate), max(1, cfg.Burst)),
		badAuth: rate.NewLimiter(2, 5),
		ctx:     ctx, stop: stop,
		sales: map[string]*saleRec{}, keys: map[string]keyEntry{}, refunds: map[string]*refundEntry{},
	}
	s.mux.HandleFunc("GET /v1/health", s.health)
	s.mux.HandleFunc("POST /v1/sales", s.postSale)
	s.mux.HandleFunc("GET /v1/sales/{id}", s.getSale)
	s.mux.HandleFunc("GET /v1/sales/{id}/events", s.events)
	s.mux.HandleFunc("POST /v1/sales/{id}/cancel", s.cancelSale)
	s.mux.HandleFunc("POST /v1/orders/{id}/refunds", s.refund)
	s.mux.HandleFunc("GET /v1/orders/{id}", s.getOrder)
	s.mux.HandleFunc("GET /v1/orders", s.orders)
	s.mux.HandleFunc("GET /v1/export.csv", s.exportCSV)
	s.mux.HandleFunc("GET /v1/report", s.report)
	s.mux.HandleFunc("POST /v1/reconcile", s.reconcile)
	return s
}

// Close ends the event streams and the re-checks of unknown sales, and
// cancels the sale the API runs headless (closed at QFPay and verified, as
// on Ctrl-C), waiting up to 30 s for its end.
func (s *Server) Close() {
	s.stop()
	s.mu.Lock()
	rec := s.running
	s.mu.Unlock()
	if rec != nil && rec.sale != nil {
		select {
		case <-rec.sale.Done():
		case <-time.After(30 * time.Second):
		}
	}
}

// ServeHTTP authenticates, rate-limits, then routes. Requests without
// the token are limited apart (badAuth), so that strangers on the LAN
// cannot spend the budget of the till that holds it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ok := s.authorized(r)
	lim := s.limiter
	if !ok {
		lim = s.badAuth
	}
	if !lim.Allow() {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate_limited", "", "too many requests; slow down")
		return
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="qfpos"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "Authorization", "a valid bearer token is required (see the token file qfpos printed at start)")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || s.cfg.Token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.cfg.Token)) == 1
}

// Error is the body of every error answer.
type Error struct {
	Error   string `json:"error"`           // a code: bad_request, unauthorized, busy, not_found…
	Field   string `json:"field,omitempty"` // the input at fault
	Message string `json:"message"`         // one sentence for people
	SaleID  string `json:"sale_id,omitempty"`
}

func writeError(w http.ResponseWriter, code int, kind, field, msg string) {
	writeJSON(w, code, Error{Error: kind, Field: field, Message: msg})
}

func badRequest(w http.ResponseWriter, field, msg string) {
	writeError(w, http.StatusBadRequest, "bad_request", field, msg)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// decode reads a JSON body into v: unknown fields, trailing data and an
// oversize body are bad requests naming what is wrong.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var ute *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return true // no body: every field at its default
		case errors.As(err, &mbe):
			badRequest(w, "body", "the body is too large")
		case errors.As(err, &ute):
			badRequest(w, ute.Field, "wrong type: want "+ute.Type.String())
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			badRequest(w, f, "unknown field")
		default:
			badRequest(w, "body", "not a JSON object: "+err.Error())
		}
		return false
	}
	if dec.More() {
		badRequest(w, "body", "one JSON object, nothing after it")
		return false
	}
	return true
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cur := ""
	if s.running != nil && !s.running.isFinal() {
		cur = s.running.id
	}
	s.mu.Unlock()
	st := s.cfg.Engine.Settings()
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ok", "mode": s.cfg.Mode, "currency": st.Currency.Code, "sale": cur,
		"window": s.cfg.Till() != nil, "time": time.Now().UTC().Format(time.RFC3339),
	})
}

// Serve serves h on ln with every timeout set. WriteTimeout bounds
// ordinary answers; an event stream extends its own deadline per write.
func Serve(ln net.Listener, h http.Handler) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      2 * cancelWait, // a cancel waits for the sale's end
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	go srv.Serve(ln)
	return srv
}
