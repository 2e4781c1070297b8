package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/qfpos/qfpos/payment"
)

// Default credentials, used when Config leaves AppCode or ClientKey empty
// and the server is not public (Config.Public). They are public on
// purpose: the sandbox moves no money. Point a client at Server.URL with
// these two values and it works unchanged. A public server makes random
// ones instead, so that nobody on the network can sign with these.
const (
	DefaultAppCode   = "5A4DB0C5A4DB0C5A4DB0C5A4DB0C5A4D"
	DefaultClientKey = "C11E47E0C11E47E0C11E47E0C11E47E0"
)

// DefaultMerchantName is shown on the payer pages when Config gives none.
const DefaultMerchantName = "qfpos sandbox shop"

// DefaultAddr is where Start listens when given no address: loopback, on
// a port the system picks.
const DefaultAddr = "127.0.0.1:0"

// Config configures a Server. The zero value is usable.
type Config struct {
	// AppCode and ClientKey are the credentials requests must carry and be
	// signed with; "" means DefaultAppCode and DefaultClientKey, or random
	// ones (crypto/rand) on a public server.
	AppCode, ClientKey string
	// Public says strangers can reach the server (a stand's Wi-Fi): the
	// control API and the order list then answer only requests carrying
	// "Authorization: Bearer " + ControlToken, payer pages only links
	// that carry their order's own random key, and the pages a phone
	// opens are rate-limited. Start sets it for any address but loopback.
	Public bool
	// ControlToken is the bearer token of the control API on a public
	// server; "" makes a random one (see Server.ControlToken). On a
	// loopback server it is required only when set.
	ControlToken string
	// MchID, when set, must be sent (as mchid) on every call and match;
	// when empty, a request carrying mchid is refused, as QFPay does for
	// merchants it issued no mchid to (qfpay-api.md §2.1).
	MchID string
	// MerchantName is shown on the payer pages; "" means DefaultMerchantName.
	MerchantName string
	// PublicURL is the base URL put into qrcode values and page links, for
	// phones on a LAN, e.g. "http://192.168.1.20:8080". "" derives it: from
	// the machine's LAN address when Start listens on 0.0.0.0 or ::, else
	// from each request's Host.
	PublicURL string
	// Now is the clock; nil means time.Now. Tests inject one to expire
	// orders or run PayAfter without waiting.
	Now func() time.Time
	// Location is the zone txdtm, sysdtm and query times are in, as QFPay
	// keeps them; nil means payment.DefaultZone (UTC+8), never the
	// machine's zone.
	Location *time.Location
	// Logger receives one line per state change and per refused request;
	// nil discards.
	Logger *slog.Logger
	// StatePath, when set, is a JSON file the orders are kept in across
	// restarts (written after every change), so that qfpos in sandbox mode
	// can recover, refund and reconcile yesterday's demo sales. "" keeps
	// them in memory only.
	StatePath string
}

// Server is a fake QFPay Open API. It implements http.Handler; use it
// with New and your own listener (or httptest), or with Start. All state
// is in memory (the orders also in Config.StatePath, when set) and
// guarded by one mutex, so a Server is safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	lanURL  string // public base URL found by Start for 0.0.0.0; "" otherwise
	baseURL string // set by Start
	httpSrv *http.Server
	pages   *rate.Limiter // pages a phone opens, on a public server
	done    chan struct{} // closed by Close: ends fault delays
	closing sync.Once

	mu       sync.Mutex
	seq      int64
	snBase   int64
	orders   map[string]*order // by out_trade_no, payments and refunds
	bySysSN  map[string]*order
	byPrepay map[string]*order
	list     []*order // in creation order
	codes    map[string]*oauthCode
	openids  map[string]time.Time // when issued
	faults   map[string][]Fault
	saved    []byte // what StatePath holds
	// dirty says the orders (or seq) changed since they were last saved
	// or loaded; persist does nothing while it is false.
	dirty bool
	// marshal serialises the state for StatePath (json.Marshal; a seam
	// for tests).
	marshal func(any) ([]byte, error)
}

// New returns a Server for cfg, not yet listening anywhere. A StatePath
// that cannot be read is logged and started afresh; use Start to see the
// error.
func New(cfg Config) *Server {
	s := newServer(cfg)
	if err := s.load(); err != nil {
		s.log.Error("sandbox state not loaded", "err", err)
	}
	return s
}

func newServer(cfg Config) *Server {
	switch {
	case cfg.Public:
		if cfg.AppCode == "" {
			cfg.AppCode = randomString(32, upperHex)
		}
		if cfg.ClientKey == "" {
			cfg.ClientKey = randomString(32, upperHex)
		}
		if cfg.ControlToken == "" {
			cfg.ControlToken = rand.Text()
		}
	default:
		if cfg.AppCode == "" {
			cfg.AppCode = DefaultAppCode
		}
		if cfg.ClientKey == "" {
			cfg.ClientKey = DefaultClientKey
		}
	}
	if cfg.MerchantName == "" {
		cfg.MerchantName = DefaultMerchantName
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = payment.DefaultZone
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:      cfg,
		log:      log.With("component", "sandbox"),
		snBase:   randomSysSNBase(),
		orders:   map[string]*order{},
		bySysSN:  map[string]*order{},
		byPrepay: map[string]*order{},
		codes:    map[string]*oauthCode{},
		openids:  map[string]time.Time{},
		faults:   map[string][]Fault{},
		done:     make(chan struct{}),
		marshal:  json.Marshal,
		pages:    rate.NewLimiter(pageRate, pageBurst),
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /trade/v1/payment", s.api(EndpointPayment, s.payment))
	m.HandleFunc("POST /trade/v1/query", s.api(EndpointQuery, s.query))
	for _, method := range []string{"GET", "POST"} {
		m.HandleFunc(method+" /trade/v1/close", s.api(EndpointClose, s.cancelHandler(false)))
		m.HandleFunc(method+" /trade/v1/reversal", s.api(EndpointReversal, s.cancelHandler(true)))
		m.HandleFunc(method+" /q/direct", s.page(s.direct))
		m.HandleFunc(method+" /sandbox/pay/{out_trade_no}", s.page(s.payerPage))
	}
	m.HandleFunc("POST /trade/v1/refund", s.api(EndpointRefund, s.refund))
	m.HandleFunc("GET /tool/v1/get_weixin_oauth_code", s.page(s.oauthCode))
	m.HandleFunc("GET /tool/v1/get_weixin_openid", s.api(EndpointOpenID, s.openID))

	m.Handle("POST /sandbox/control/pay", s.control(s.controlPay))
	m.Handle("POST /sandbox/control/decline", s.control(s.controlDecline))
	m.Handle("POST /sandbox/control/pay-after", s.control(s.controlPayAfter))
	m.Handle("GET /sandbox/control/orders", s.control(s.controlOrders))
	m.Handle("GET /sandbox/control/faults", s.control(s.controlFaults))
	m.Handle("POST /sandbox/control/faults", s.control(s.controlFaults))
	m.Handle("GET /sandbox/{$}", s.control(s.indexPage))
	m.Handle("GET /{$}", http.RedirectHandler("/sandbox/", http.StatusFound))
	s.mux = m
}

// ServeHTTP serves the QFPay API, the payer pages and the control API,
// then saves the orders to Config.StatePath if the request changed them.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
	s.persist()
}

// Start listens on addr ("" means DefaultAddr, loopback only) and serves
// in the background until Close. Listening on 0.0.0.0, :: or any other
// address but loopback makes the server public (Config.Public): the API
// and the payer pages reach the LAN, which is what a trade-show stand
// wants (phones scan the QR and open the payer page), while the control
// API wants ControlToken. With no Config.PublicURL the QR codes then
// carry the machine's first non-loopback IPv4 address.
func Start(addr string, cfg Config) (*Server, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	tcp := ln.Addr().(*net.TCPAddr)
	if !tcp.IP.IsLoopback() {
		cfg.Public = true
	}
	s := newServer(cfg)
	if err := s.load(); err != nil {
		ln.Close()
		return nil, err
	}
	port := strconv.Itoa(tcp.Port)
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
		if s.cfg.PublicURL == "" {
			s.lanURL = "http://" + net.JoinHostPort(lanIPv4(), port)
		}
	}
	s.baseURL = "http://" + net.JoinHostPort(host, port)
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Long enough for a scripted fault Delay of a few minutes; a
		// longer one gets no answer, like a dropped connection.
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	go func() {
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	s.log.Info("sandbox listening", "url", s.baseURL, "public_url", s.publicBase(nil), "public", s.cfg.Public)
	return s, nil
}

// URL is the base URL the API is served at when started with Start, e.g.
// "http://127.0.0.1:41234" (loopback even when listening on 0.0.0.0). It
// is "" for a Server made with New.
func (s *Server) URL() string { return s.baseURL }

// AppCode is the app code requests must carry: Config.AppCode, the
// default, or the random one of a public server. (The client key has no
// accessor: pass your own in Config.ClientKey to know it.)
func (s *Server) AppCode() string { return s.cfg.AppCode }

// ControlToken is the bearer token the control API wants, "" when it
// wants none (a loopback server without Config.ControlToken).
func (s *Server) ControlToken() string { return s.cfg.ControlToken }

// Public reports whether the server is public (Config.Public).
func (s *Server) Public() bool { return s.cfg.Public }

// PublicURL is the base URL put into qrcode values: Config.PublicURL, or
// the LAN address Start found, or "" when it is derived per request.
func (s *Server) PublicURL() string { return s.publicBase(nil) }

// Close stops a Server started with Start, closing its connections, and
// cuts short the Delay of faults in progress (those requests are then not
// carried out). For a Server made with New it only does the latter.
func (s *Server) Close() error {
	s.closing.Do(func() { close(s.done) })
	if s.httpSrv == nil {
		return nil
	}
	return s.httpSrv.Close()
}

// publicBase is the base URL for links a payer opens.
func (s *Server) publicBase(r *http.Request) string {
	switch {
	case s.cfg.PublicURL != "":
		return s.cfg.PublicURL
	case s.lanURL != "":
		return s.lanURL
	case r == nil:
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// lanIPv4 is the first non-loopback, non-link-local IPv4 address of an
// interface that is up, or 127.0.0.1.
func lanIPv4() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "127.0.0.1"
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip := ipn.IP.To4()
			if ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
				continue
			}
			return ip.String()
		}
	}
	return "127.0.0.1"
}

func (s *Server) now() time.Time { return s.cfg.Now().In(s.cfg.Location) }

func (s *Server) format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.cfg.Location).Format(payment.TimeLayout)
}

// params is a request's parameters, one value per name (the first).
type params map[string]string

func formParams(r *http.Request) params {
	p := params{}
	for k, vs := range r.Form {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
	return p
}

// signReceived is the signature of exactly the parameters received: every
// one, empty values included when they were sent (QFPay's own samples
// sign every key they send, udid= too), sorted by name, but sign. A
// client that sends no empty parameters (payment.Sign's rule) gets the
// same signature.
func signReceived(p params, key string, t payment.SignType) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if k != "sign" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + p[k])
	}
	return payment.Digest(b.String()+key, t)
}

// reply is one JSON answer of the API.
type reply map[string]any

func (r reply) respcd() string { c, _ := r["respcd"].(string); return c }

func failure(code, resperr string) reply {
	return reply{"respcd": code, "resperr": resperr, "respmsg": ""}
}

// checkAuth checks X-QF-APPCODE, X-QF-SIGNTYPE and X-QF-SIGN the way
// QFPay does (§2.1, §2.3) and mchid (§2.1). It returns nil when the
// request may go on.
func (s *Server) checkAuth(r *http.Request, p params) reply {
	app := r.Header.Get("X-QF-APPCODE")
	if app == "" || subtle.ConstantTimeCompare([]byte(app), []byte(s.cfg.AppCode)) != 1 {
		return failure(codeSignature, "app code unknown (X-QF-APPCODE)")
	}
	st, err := payment.ParseSignType(r.Header.Get("X-QF-SIGNTYPE"))
	if err != nil {
		return failure(codeSignature, "signature error: "+err.Error())
	}
	got := r.Header.Get("X-QF-SIGN")
	want := signReceived(p, s.cfg.ClientKey, st)
	if got == "" || !payment.EqualSignatures(got, want) {
		return failure(codeSignature, "signature error ("+string(st)+" over every parameter sent, empty ones included, sorted, + client key)")
	}
	return s.checkMchID(p)
}

func (s *Server) checkMchID(p params) reply {
	got := p["mchid"]
	switch {
	case s.cfg.MchID == "" && got != "":
		return failure(codeParam, "mchid must not be sent: none was issued to this app code")
	case s.cfg.MchID != "" && got == "":
		return failure(codeParam, "mchid is required for this app code")
	case got != s.cfg.MchID:
		return failure(codeNoStore, "mchid "+got+" does not belong to this app code")
	}
	return nil
}

// api wraps an API endpoint: form parsing, scripted faults,
// authentication, and the signed JSON answer.
func (s *Server) api(endpoint string, h func(*http.Request, params) reply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The sandbox's own clock (Config.Now), which may be a test's
		// virtual one, as QFPay's Date is QFPay's: clients judge expiry
		// by it.
		w.Header().Set("Date", s.cfg.Now().UTC().Format(http.TimeFormat))
		if err := r.ParseForm(); err != nil {
			s.writeReply(w, failure(codeParam, "cannot read the parameters: "+err.Error()))
			return
		}
		f := s.nextFault(endpoint)
		if f.Delay > 0 && !s.sleep(f.Delay) {
			dropConnection(w) // shutting down: no answer
			return
		}
		if !f.processes() {
			s.log.Info("fault", "endpoint", endpoint, "kind", f.Kind, "processed", false)
			s.failUnprocessed(w, f)
			return
		}
		p := formParams(r)
		rep := s.checkAuth(r, p)
		if rep == nil {
			rep = h(r, p)
		}
		if rep.respcd() != codeOK {
			s.log.Info("refused", "endpoint", endpoint, "respcd", rep.respcd(), "resperr", rep["resperr"])
		}
		if f.Kind == FaultPending && rep.respcd() == codeOK {
			rep["respcd"] = f.respCd()
			rep["resperr"] = "交易处理中，请查询 (sandbox fault)"
			if f.NoQRCode {
				delete(rep, "qrcode")
				delete(rep, "pay_params")
			}
		}
		body := encode(rep)
		sig := payment.BodySignature(body, s.cfg.ClientKey)
		if f.Kind != "" && f.Kind != FaultLatency {
			s.log.Info("fault", "endpoint", endpoint, "kind", f.Kind, "processed", true)
		}
		switch f.Kind {
		case FaultServerError:
			http.Error(w, http.StatusText(f.status()), f.status())
		case FaultDrop:
			dropConnection(w)
		case FaultMalformed:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("X-QF-SIGN", sig)
			w.Write(body[:len(body)/2])
		default:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("X-QF-SIGN", sig)
			w.Write(body)
		}
	}
}

func (s *Server) writeReply(w http.ResponseWriter, rep reply) {
	body := encode(rep)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-QF-SIGN", payment.BodySignature(body, s.cfg.ClientKey))
	w.Write(body)
}

func encode(v any) []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only maps of strings, ints and such are encoded
	}
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}

// sleep waits d, or until Close; it reports whether d passed. A client
// that gives up meanwhile does not shorten it: like a real slow server,
// the sandbox then carries out a request nobody hears the answer to.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the handler, which resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
