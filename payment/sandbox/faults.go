package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Endpoint names, as used in Faults and its JSON form.
const (
	EndpointPayment  = "payment"  // POST /trade/v1/payment
	EndpointQuery    = "query"    // POST /trade/v1/query
	EndpointClose    = "close"    // /trade/v1/close
	EndpointReversal = "reversal" // /trade/v1/reversal
	EndpointRefund   = "refund"   // POST /trade/v1/refund
	EndpointOpenID   = "openid"   // GET /tool/v1/get_weixin_openid
)

// FaultKind is what a scripted fault does to one request.
type FaultKind string

// The fault kinds. "Processed" means the sandbox carries the request out
// (creates the order, closes it, refunds it, uses up the OAuth code)
// before the answer goes wrong; see Fault.Processed.
const (
	// FaultLatency waits Fault.Delay, then answers normally.
	FaultLatency FaultKind = "latency"
	// FaultServerError answers HTTP Fault.Status (default 503) with a
	// plain-text body, as a load balancer would.
	FaultServerError FaultKind = "server_error"
	// FaultRateLimit answers HTTP 429 with Retry-After (Fault.RetryAfter,
	// default 1s, in whole seconds), as QFPay does over 100 req/s or
	// 400 req/min (§9). Never processed.
	FaultRateLimit FaultKind = "rate_limit"
	// FaultMalformed answers HTTP 200 with a body that is not valid JSON.
	// Processed, it is the first half of the real answer, with the
	// X-QF-SIGN of the full answer (so it does not verify); unprocessed,
	// a broken fragment without X-QF-SIGN.
	FaultMalformed FaultKind = "malformed"
	// FaultDrop reads the request, then closes the connection without
	// sending a byte: the client sees an error, not a response. With
	// Processed it is "QFPay did it, but the answer never arrived", the
	// classic unknown outcome.
	FaultDrop FaultKind = "drop"
	// FaultPending processes the request, but when the answer would have
	// been respcd 0000 it says Fault.RespCd (default 1143, "not paid /
	// processing, query") instead; for a payment the qrcode (or
	// pay_params) is kept unless NoQRCode. Always processed.
	FaultPending FaultKind = "pending"
)

// Fault is one scripted failure. The zero Kind is not valid.
type Fault struct {
	// Kind is what the fault does.
	Kind FaultKind
	// Times is how many consecutive requests this fault hits; 0 means 1.
	Times int
	// Delay is waited before anything else happens (any kind), so a drop
	// after 30s looks like a hung server. It is waited in full even if the
	// client gives up meanwhile, and the request is then still carried
	// out (unless the kind says otherwise): a client timeout is an
	// unknown outcome. Server.Close cuts it short.
	Delay time.Duration
	// Processed makes FaultServerError, FaultMalformed and FaultDrop carry
	// the request out first. FaultPending is always processed,
	// FaultRateLimit never; FaultLatency answers normally anyway.
	Processed bool
	// Status is the HTTP status of FaultServerError (500–599, default 503).
	Status int
	// RetryAfter is the Retry-After of FaultRateLimit (default 1s).
	RetryAfter time.Duration
	// RespCd is the respcd of FaultPending (default "1143"; "1145" and
	// "1298" are the other "in progress" codes).
	RespCd string
	// NoQRCode makes FaultPending leave out qrcode and pay_params.
	NoQRCode bool
}

// Faults are scripted failures per endpoint. Each list is a queue: a
// request to that endpoint takes the first fault (using up one of its
// Times) and requests that find the queue empty are served normally. The
// JSON form, accepted by POST /sandbox/control/faults, is
//
//	{"payment": [{"kind": "drop", "processed": true}],
//	 "query": [{"kind": "latency", "delay": "2s", "times": 3},
//	           {"kind": "rate_limit", "retry_after": "5s"}]}
//
// with durations as Go duration strings ("1.5s") or numbers of seconds.
type Faults struct {
	Payment  []Fault `json:"payment,omitempty"`
	Query    []Fault `json:"query,omitempty"`
	Close    []Fault `json:"close,omitempty"`
	Reversal []Fault `json:"reversal,omitempty"`
	Refund   []Fault `json:"refund,omitempty"`
	OpenID   []Fault `json:"openid,omitempty"`
}

func (f Faults) byEndpoint() map[string][]Fault {
	return map[string][]Fault{
		EndpointPayment:  f.Payment,
		EndpointQuery:    f.Query,
		EndpointClose:    f.Close,
		EndpointReversal: f.Reversal,
		EndpointRefund:   f.Refund,
		EndpointOpenID:   f.OpenID,
	}
}

func faultsFrom(m map[string][]Fault) Faults {
	c := func(l []Fault) []Fault {
		if len(l) == 0 {
			return nil
		}
		return append([]Fault(nil), l...)
	}
	return Faults{
		Payment:  c(m[EndpointPayment]),
		Query:    c(m[EndpointQuery]),
		Close:    c(m[EndpointClose]),
		Reversal: c(m[EndpointReversal]),
		Refund:   c(m[EndpointRefund]),
		OpenID:   c(m[EndpointOpenID]),
	}
}

// Validate reports the first fault that cannot be carried out, or that
// there are more than 10,000 of them.
func (f Faults) Validate() error {
	n := 0
	for ep, list := range f.byEndpoint() {
		if n += len(list); n > maxFaults {
			return fmt.Errorf("more than %d faults", maxFaults)
		}
		for i, x := range list {
			if err := x.validate(); err != nil {
				return fmt.Errorf("%s[%d]: %w", ep, i, err)
			}
		}
	}
	return nil
}

func (f Fault) validate() error {
	switch f.Kind {
	case FaultLatency, FaultServerError, FaultRateLimit, FaultMalformed, FaultDrop, FaultPending:
	case "":
		return fmt.Errorf("fault has no kind")
	default:
		return fmt.Errorf("unknown fault kind %q (want latency, server_error, rate_limit, malformed, drop or pending)", f.Kind)
	}
	switch {
	case f.Times < 0:
		return fmt.Errorf("times %d is negative", f.Times)
	case f.Delay < 0 || f.RetryAfter < 0:
		return fmt.Errorf("durations must not be negative")
	case f.Status != 0 && (f.Status < 500 || f.Status > 599):
		return fmt.Errorf("status %d is not a 5xx status", f.Status)
	case f.RespCd != "" && !isDigits(f.RespCd, 4, 4):
		return fmt.Errorf("respcd %q is not four digits", f.RespCd)
	}
	return nil
}

// processes reports whether the request is carried out; a zero Fault
// (no fault) processes.
func (f Fault) processes() bool {
	switch f.Kind {
	case FaultRateLimit:
		return false
	case FaultServerError, FaultMalformed, FaultDrop:
		return f.Processed
	}
	return true
}

func (f Fault) status() int {
	if f.Status == 0 {
		return http.StatusServiceUnavailable
	}
	return f.Status
}

func (f Fault) respCd() string {
	if f.RespCd == "" {
		return codeNotPaid
	}
	return f.RespCd
}

// SetFaults replaces all scripted faults; Faults{} clears them. It
// panics if f.Validate fails (check untrusted input with Validate first).
func (s *Server) SetFaults(f Faults) {
	if err := f.Validate(); err != nil {
		panic("sandbox: SetFaults: " + err.Error())
	}
	m := map[string][]Fault{}
	for ep, list := range f.byEndpoint() {
		if len(list) > 0 {
			m[ep] = append([]Fault(nil), list...)
		}
	}
	s.mu.Lock()
	s.faults = m
	s.mu.Unlock()
}

// Faults returns the faults not used up yet.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return faultsFrom(s.faults)
}

// nextFault takes one use of the first fault queued for endpoint; the
// zero Fault means none.
func (s *Server) nextFault(endpoint string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[endpoint]
	if len(q) == 0 {
		return Fault{}
	}
	f := q[0]
	if f.Times > 1 {
		q[0].Times--
	} else {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(s.faults, endpoint)
	} else {
		s.faults[endpoint] = q
	}
	return f
}

// failUnprocessed answers a request the fault stops before it is carried out.
func (s *Server) failUnprocessed(w http.ResponseWriter, f Fault) {
	switch f.Kind {
	case FaultRateLimit:
		ra := f.RetryAfter
		if ra == 0 {
			ra = time.Second
		}
		secs := int((ra + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
	case FaultServerError:
		http.Error(w, http.StatusText(f.status()), f.status())
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(`{"respcd": 0000, "resperr": "`))
	case FaultDrop:
		dropConnection(w)
	}
}

// faultJSON is Fault's JSON form.
type faultJSON struct {
	Kind       FaultKind       `json:"kind"`
	Times      int             `json:"times,omitempty"`
	Delay      json.RawMessage `json:"delay,omitempty"`
	Processed  bool            `json:"processed,omitempty"`
	Status     int             `json:"status,omitempty"`
	RetryAfter json.RawMessage `json:"retry_after,omitempty"`
	RespCd     string          `json:"respcd,omitempty"`
	NoQRCode   bool            `json:"no_qrcode,omitempty"`
}

// MarshalJSON writes durations as Go duration strings.
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{Kind: f.Kind, Times: f.Times, Processed: f.Processed, Status: f.Status, RespCd: f.RespCd, NoQRCode: f.NoQRCode}
	if f.Delay != 0 {
		j.Delay, _ = json.Marshal(f.Delay.String())
	}
	if f.RetryAfter != 0 {
		j.RetryAfter, _ = json.Marshal(f.RetryAfter.String())
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads durations given as Go duration strings or numbers
// of seconds.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	delay, err := parseJSONDuration(j.Delay)
	if err != nil {
		return fmt.Errorf("delay: %w", err)
	}
	ra, err := parseJSONDuration(j.RetryAfter)
	if err != nil {
		return fmt.Errorf("retry_after: %w", err)
	}
	*f = Fault{Kind: j.Kind, Times: j.Times, Delay: delay, Processed: j.Processed, Status: j.Status, RetryAfter: ra, RespCd: j.RespCd, NoQRCode: j.NoQRCode}
	return nil
}

func parseJSONDuration(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.ParseDuration(s)
	}
	var secs float64
	if err := json.Unmarshal(raw, &secs); err != nil {
		return 0, fmt.Errorf("want a duration such as \"2s\" or a number of seconds")
	}
	return time.Duration(secs * float64(time.Second)), nil
}
