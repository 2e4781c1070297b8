package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The control API (/sandbox/control/...) drives the sandbox over HTTP
// for tests in other processes and for people: see doc.go.

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(encode(v), '\n'))
}

func controlError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrNoSuchOrder):
		status = http.StatusNotFound
	case errors.Is(err, ErrOrderFinal):
		status = http.StatusConflict
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// controlOrder answers a control call on one order.
func (s *Server) controlOrder(w http.ResponseWriter, r *http.Request, do func(out string) error) {
	out := r.FormValue("out_trade_no")
	if out == "" {
		controlError(w, errors.New("out_trade_no is required"))
		return
	}
	if err := do(out); err != nil {
		controlError(w, err)
		return
	}
	o, _ := s.Order(out)
	writeJSON(w, http.StatusOK, map[string]any{"order": o})
}

func (s *Server) controlPay(w http.ResponseWriter, r *http.Request) {
	s.controlOrder(w, r, s.Pay)
}

func (s *Server) controlDecline(w http.ResponseWriter, r *http.Request) {
	s.controlOrder(w, r, s.Decline)
}

func (s *Server) controlPayAfter(w http.ResponseWriter, r *http.Request) {
	v := r.FormValue("after")
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, err2 := strconv.ParseFloat(v, 64)
		if err2 != nil {
			controlError(w, errors.New(`after must be a duration such as "2s" or a number of seconds`))
			return
		}
		d = time.Duration(secs * float64(time.Second))
	}
	s.controlOrder(w, r, func(out string) error { return s.PayAfter(out, d) })
}

func (s *Server) controlOrders(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"orders": s.Orders()})
}

// controlFaults shows (GET) or replaces (POST, JSON Faults) the scripted
// faults.
func (s *Server) controlFaults(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var f Faults
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			controlError(w, errors.New("faults: "+err.Error()))
			return
		}
		if err := f.Validate(); err != nil {
			controlError(w, errors.New("faults: "+err.Error()))
			return
		}
		s.SetFaults(f)
	}
	writeJSON(w, http.StatusOK, map[string]any{"faults": s.Faults()})
}
