package sandbox

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// Limits of a sandbox that runs for days on a stand: every table it fills
// is bounded, so that neither a busy stand nor a hostile caller can grow
// it without end.
const (
	// maxOrders is how many payments and refunds a sandbox keeps; a
	// payment or refund beyond it is refused (1104) until the sandbox is
	// started afresh.
	maxOrders = 100_000
	// maxCodes and maxOpenIDs bound the OAuth codes and openids not yet
	// expired; they are pruned as new ones are issued.
	maxCodes   = 10_000
	maxOpenIDs = 10_000
	// openidTTL is how long an openid works as sub_openid.
	openidTTL = time.Hour
	// maxFaults bounds the scripted faults queued at once.
	maxFaults = 10_000

	// pageRate and pageBurst bound the pages a public server serves
	// without credentials (payer pages, /q/direct, the OAuth redirect),
	// all callers together, per second.
	pageRate  = 20
	pageBurst = 60
)

// upperHex is the alphabet of random app codes and client keys.
const upperHex = "0123456789ABCDEF"

// control guards the control API and the order list. A server with a
// ControlToken (every public one) answers them only to requests with
// "Authorization: Bearer <token>", 401 otherwise. Cross-origin requests
// from browsers are refused on any server, so a web page the stand's
// browser opens cannot drive a loopback sandbox either.
func (s *Server) control(h http.HandlerFunc) http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := s.cfg.ControlToken; tok != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(tok)) != 1 {
				s.log.Warn("control API refused: no or wrong token", "path", r.URL.Path, "remote", r.RemoteAddr)
				w.Header().Set("WWW-Authenticate", `Bearer realm="qfpos sandbox"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the control API of this sandbox wants the token qfpos sandbox printed at start: Authorization: Bearer TOKEN"})
				return
			}
		}
		h(w, r)
	}))
}

// page rate-limits, on a public server, a page anyone may open.
func (s *Server) page(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Public && !s.pages.Allow() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		h(w, r)
	}
}

// payerKeyOK reports whether r may open the payer page of o: on a public
// server only with the order's own random key (?k=), which only its
// qrcode carries, so that a stranger cannot open (pay or decline) an
// order whose QR he has not seen by guessing its out_trade_no.
func (s *Server) payerKeyOK(r *http.Request, o *order) bool {
	if !s.cfg.Public {
		return true
	}
	k := r.URL.Query().Get("k")
	return o.payKey != "" && subtle.ConstantTimeCompare([]byte(k), []byte(o.payKey)) == 1
}

// pruneCodes drops OAuth codes used or expired and reports whether there
// is room for another. Call with s.mu held.
func (s *Server) pruneCodes(now time.Time) bool {
	if len(s.codes) < maxCodes {
		return true
	}
	for k, c := range s.codes {
		if c.used || now.Sub(c.issued) > oauthCodeTTL {
			delete(s.codes, k)
		}
	}
	return len(s.codes) < maxCodes
}

// pruneOpenIDs drops expired openids and reports whether there is room
// for another. Call with s.mu held.
func (s *Server) pruneOpenIDs(now time.Time) bool {
	if len(s.openids) < maxOpenIDs {
		return true
	}
	for k, issued := range s.openids {
		if now.Sub(issued) > openidTTL {
			delete(s.openids, k)
		}
	}
	return len(s.openids) < maxOpenIDs
}
