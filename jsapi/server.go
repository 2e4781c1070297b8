package jsapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/store"
)

// Mode is how the pages learn the customer's openid.
type Mode string

// The modes (qfpay-api.md §10).
const (
	// ModeQFPay goes through QFPay's Official Account: OAuth code, openid
	// exchange, QFPay's /q/direct page.
	ModeQFPay Mode = "qfpay"
	// ModeOwn is for a merchant's own verified Official Account bound to
	// QFPay: Config.OAuthURL returns the openid, and the callback page
	// calls WeixinJSBridge itself.
	ModeOwn Mode = "own"
)

// Checkout is what the pages need of the checkout engine;
// *checkout.Engine implements it.
type Checkout interface {
	CanAttempt(parent string) (*store.Order, error)
	StartAttempt(ctx context.Context, parent, openid string) (*store.Order, *payment.PayParams, error)
	CheckAttempt(ctx context.Context, outTradeNo string) (*store.Order, error)
	NoteAttempt(parent, cause string) error
	OpenID(ctx context.Context, parent, code string, exchange func(context.Context, string) (string, error)) (openid, usedBy string, err error)
	UseSignIn(parent, key string) (usedBy string, err error)
	SignInLed(parent, key, attempt string)
	Store() *store.Store
}

// QFPay is what the pages need of the QFPay client; *payment.Client
// implements it.
type QFPay interface {
	OAuthCodeURL(redirectURI string) string
	OpenID(ctx context.Context, code string) (string, error)
	DirectURL(p payment.PayParams, d payment.DirectInfo) string
}

// Config configures a Server.
type Config struct {
	// PublicURL is the base URL phones reach the Server at, through the
	// merchant's reverse proxy, e.g. "https://pay.example.com" (required).
	// The QR of a sale is PublicURL + "/jsapi/" + its order; the OAuth
	// redirect_uri and the /q/direct redirect_url are built on it.
	PublicURL string
	// Mode is ModeQFPay (the default, "") or ModeOwn.
	Mode Mode
	// OAuthURL is, for ModeOwn, the merchant's OAuth page: the phone is
	// sent there with redirect_uri=<callback> and order=<order> added to
	// its query, and it must send the phone back to that callback with
	// openid, ts and sig added (see OAuthSignature).
	OAuthURL string
	// OAuthSecret is, for ModeOwn (required), the secret the merchant's
	// OAuth page signs the openid with (OAuthSignature).
	OAuthSecret string
	// MerchantName is shown on the pages and on QFPay's /q/direct page.
	MerchantName string
	// Language "zh-Hans" shows Simplified Chinese beside English; anything
	// else Traditional Chinese.
	Language string
	// Sandbox marks the pages as moving no real money, and lets a desktop
	// browser walk the WeChat flow (a link on the not-WeChat page).
	Sandbox bool
	// Logger gets one line per failure a customer saw; nil discards.
	Logger *slog.Logger
	// Now is the clock used to forget old OAuth codes; nil is time.Now.
	Now func() time.Time
}

// keepFor is how long the pages remember an attempt they started (its
// pay_params for the ModeOwn pay page, whether its outcome was shown).
const keepFor = 15 * time.Minute

// The openid signed by the merchant's OAuth page (ModeOwn) is valid from
// SignatureSkew before its ts (clocks differ a little) to SignatureValidFor
// after it.
const (
	SignatureValidFor = 5 * time.Minute
	SignatureSkew     = time.Minute
)

// MinOAuthSecret is the shortest OAuthSecret New takes, in bytes.
const MinOAuthSecret = 32

// Timeouts of the QFPay calls a page waits for.
const (
	openIDTimeout = 20 * time.Second
	checkTimeout  = 8 * time.Second
)

// Server serves the JSAPI pages; it is an http.Handler.
type Server struct {
	clients    clients // each client's rate limit (limit.go): the pages face the internet, and each reads the order file
	co         Checkout
	qf         QFPay
	cfg        Config
	public     string
	simplified bool
	log        *slog.Logger
	mux        *http.ServeMux

	mu      sync.Mutex
	started map[string]*started // attempts the callback sent to be paid, by out_trade_no
	shown   chan struct{}       // closed (and replaced) when a page shows an attempt's final outcome
}

// started is an attempt the callback sent the phone to pay.
type started struct {
	at     time.Time
	order  string             // its sale's 800201 order
	params *payment.PayParams // ModeOwn: for its pay page
	shown  bool               // a page has shown its final outcome
}

// New returns a Server for the engine co and the QFPay client qf.
func New(co Checkout, qf QFPay, cfg Config) (*Server, error) {
	if co == nil || qf == nil {
		return nil, errors.New("jsapi: a checkout engine and a QFPay client are required")
	}
	public := strings.TrimRight(strings.TrimSpace(cfg.PublicURL), "/")
	if u, err := url.Parse(public); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("jsapi: public URL %q is not an absolute http(s) base URL", cfg.PublicURL)
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = ModeQFPay
	case ModeQFPay:
	case ModeOwn:
		if u, err := url.Parse(cfg.OAuthURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("jsapi: mode own needs the absolute URL of the merchant's OAuth page, got %q", cfg.OAuthURL)
		}
		if len(cfg.OAuthSecret) < MinOAuthSecret {
			return nil, fmt.Errorf("jsapi: mode own needs the secret the merchant's OAuth page signs the openid with, at least %d characters", MinOAuthSecret)
		}
	default:
		return nil, fmt.Errorf("jsapi: unknown mode %q (want qfpay or own)", cfg.Mode)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		co: co, qf: qf, cfg: cfg, public: public,
		clients:    clients{now: time.Now}, // real time: a test clock that stands still would never refill the buckets
		simplified: strings.EqualFold(cfg.Language, "zh-Hans"),
		log:        log.With("component", "jsapi"),
		started:    map[string]*started{},
		shown:      make(chan struct{}),
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /jsapi/{order}", s.entry)
	m.HandleFunc("GET /jsapi/pay", s.payPage) // ModeOwn; no order number is "pay"
	m.HandleFunc("GET /jsapi/{order}/callback", s.callback)
	m.HandleFunc("GET /jsapi/{order}/result/{attempt}", s.result)
	m.HandleFunc("GET /jsapi/{order}/status/{attempt}", s.status)
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("GET /jsapi/{$}", s.home)
	m.HandleFunc("/", s.notFound)
	s.mux = m
	return s, nil
}

// OrderURL is the address a sale's JSAPI QR carries: PublicURL +
// "/jsapi/" + the out_trade_no of its 800201 order.
func (s *Server) OrderURL(outTradeNo string) string {
	return s.public + "/jsapi/" + url.PathEscape(outTradeNo)
}

// PublicURL is the base URL the pages are served at.
func (s *Server) PublicURL() string { return s.public }

// ServeHTTP serves the pages. Whatever happens, the answer is a page with
// text: a panic becomes the "something went wrong" page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	rw := &tracked{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("jsapi: page failed", "path", r.URL.Path, "panic", fmt.Sprint(v))
			if !rw.wrote {
				s.render(rw, http.StatusServiceUnavailable, page{Icon: iconFail, Title: s.t("error.title"), Body: []text{s.t("error.body")}})
			}
		}
	}()
	if !s.clients.allow(r) {
		h.Set("Retry-After", "1")
		s.render(rw, http.StatusTooManyRequests, page{Icon: iconInfo, Title: s.t("busy.title"), Body: []text{s.t("slow.body")}})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.render(rw, http.StatusMethodNotAllowed, page{Icon: iconInfo, Title: s.t("method.title"), Body: []text{s.t("method.body")}})
		return
	}
	s.mux.ServeHTTP(rw, r)
}

// tracked remembers whether anything was written.
type tracked struct {
	http.ResponseWriter
	wrote bool
}

func (t *tracked) WriteHeader(code int) { t.wrote = true; t.ResponseWriter.WriteHeader(code) }
func (t *tracked) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}
func (t *tracked) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// isWeChat tells WeChat's in-app browser by its User-Agent (§10: JSAPI
// runs only there).
func isWeChat(r *http.Request) bool {
	return strings.Contains(r.UserAgent(), "MicroMessenger")
}

// orderNo matches what an out_trade_no of ours may be (store.checkOutTradeNo).
var orderNo = regexp.MustCompile(`^[A-Za-z0-9_|*]{1,128}$`)

// amountOf formats an order's amount for people, e.g. "HK$12.50".
func amountOf(o *store.Order) string {
	cur, err := money.Lookup(o.Currency)
	if err != nil {
		return fmt.Sprintf("%d %s", o.Amount, o.Currency)
	}
	return cur.Format(o.Amount)
}

// salePage is a page headed by a sale's amount and goods.
func salePage(o *store.Order) page {
	return page{Amount: amountOf(o), Goods: o.GoodsName}
}

func (s *Server) callbackURL(order string) string { return s.OrderURL(order) + "/callback" }

func (s *Server) resultURL(order, attempt string) string {
	return s.OrderURL(order) + "/result/" + url.PathEscape(attempt)
}

// localPath is an absolute path on this server, for links within the pages
// (the proxy's path prefix, if any, is kept).
func (s *Server) localPath(full string) string {
	u, err := url.Parse(full)
	if err != nil {
		return full
	}
	return u.EscapedPath()
}

// open looks the parent order up for a page and, when it does not take a
// WeChat payment now, renders the page that says why; ok is false then.
func (s *Server) open(w http.ResponseWriter, order string) (p *store.Order, ok bool) {
	if !orderNo.MatchString(order) {
		s.notFound(w, nil)
		return nil, false
	}
	p, err := s.co.CanAttempt(order)
	switch {
	case err == nil:
		return p, true
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, nil)
	case p == nil:
		s.log.Error("jsapi: order lookup failed", "order", order, "err", err)
		s.render(w, http.StatusServiceUnavailable, page{Icon: iconFail, Title: s.t("error.title"), Body: []text{s.t("error.body")}})
	case p.State == store.StatePaid:
		v := salePage(p)
		v.Icon, v.Title, v.Body, v.Ref = iconOK, s.t("paid.title"), []text{s.t("paid.body")}, p.OutTradeNo
		s.render(w, http.StatusOK, v)
	case p.State == store.StateCreating || p.State == store.StateUnknown:
		v := salePage(p)
		v.Icon, v.Title, v.Body = iconInfo, s.t("notready.title"), []text{s.t("notready.body")}
		v.Actions = []action{{Href: s.localPath(s.OrderURL(order)), Label: s.t("button.retry"), Primary: true}}
		s.render(w, http.StatusServiceUnavailable, v)
	default:
		v := salePage(p)
		v.Icon, v.Title, v.Body, v.Ref = iconInfo, s.t("closed.title"), []text{s.t("closed.body")}, p.OutTradeNo
		s.render(w, http.StatusGone, v)
	}
	return nil, false
}

// entry is GET /jsapi/{order}, what the sale's JSAPI QR opens.
func (s *Server) entry(w http.ResponseWriter, r *http.Request) {
	order := r.PathValue("order")
	p, ok := s.open(w, order)
	if !ok {
		return
	}
	asWeChat := s.cfg.Sandbox && r.URL.Query().Get("as") == "wechat"
	if !isWeChat(r) && !asWeChat {
		s.notWeChat(w, p)
		return
	}
	callback := s.callbackURL(order)
	if s.cfg.Mode == ModeOwn {
		target, _ := url.Parse(s.cfg.OAuthURL)
		q := target.Query()
		q.Set("redirect_uri", callback)
		q.Set("order", order)
		target.RawQuery = q.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
		return
	}
	http.Redirect(w, r, s.qf.OAuthCodeURL(callback), http.StatusFound)
}

// notWeChat is the page for any other browser: open this in WeChat, or
// scan the sale's 800201 QR with WeChat.
func (s *Server) notWeChat(w http.ResponseWriter, p *store.Order) {
	v := salePage(p)
	v.Icon, v.Title, v.Body = iconInfo, s.t("notwechat.title"), []text{s.t("notwechat.body")}
	if p.QRCode != "" {
		if png, err := qrcode.Encode(p.QRCode, qrcode.Medium, 360); err == nil {
			v.QRImage = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
			v.QRText = p.QRCode
		} else {
			s.log.Error("jsapi: cannot draw the QR", "order", p.OutTradeNo, "err", err)
		}
	}
	if s.cfg.Sandbox {
		v.Actions = []action{{Href: s.localPath(s.OrderURL(p.OutTradeNo)) + "?as=wechat", Label: s.t("notwechat.sandbox")}}
	}
	s.render(w, http.StatusOK, v)
}

// callback is GET /jsapi/{order}/callback: where the OAuth step returns
// the phone, with a code (ModeQFPay) or an openid (ModeOwn).
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead { // a link checker must not use up the code or open a payment
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return
	}
	order := r.PathValue("order")
	p, ok := s.open(w, order)
	if !ok {
		return
	}
	retry := []action{{Href: s.localPath(s.OrderURL(order)), Label: s.t("button.retry"), Primary: true}}
	fail := func(status int, icon, title, body, note string) {
		s.log.Info("jsapi: "+note, "order", order)
		if err := s.co.NoteAttempt(order, note); err != nil {
			s.log.Error("jsapi: cannot note the failure", "order", order, "err", err)
		}
		v := salePage(p)
		v.Icon, v.Title, v.Body, v.Actions, v.Ref = icon, s.t(title), []text{s.t(body)}, retry, order
		s.render(w, status, v)
	}

	// The sign-in: a signed openid (ModeOwn) or an OAuth code (ModeQFPay).
	// Either is taken once per sale, and a sale takes only a few.
	var openid, key, usedBy string
	var err error
	q := r.URL.Query()
	if s.cfg.Mode == ModeOwn {
		openid = q.Get("openid")
		if strings.TrimSpace(openid) == "" {
			fail(http.StatusBadRequest, iconFail, "noopenid.title", "noopenid.body", "no openid from the merchant's OAuth page")
			return
		}
		if why := s.checkSignature(order, openid, q.Get("ts"), q.Get("sig")); why != "" {
			fail(http.StatusForbidden, iconFail, "badsig.title", "badsig.body", "openid from the merchant's OAuth page refused: "+why+"; nothing sent to QFPay")
			return
		}
		key = "sig:" + strings.ToLower(q.Get("sig"))
		usedBy, err = s.co.UseSignIn(order, key)
	} else {
		code := strings.TrimSpace(q.Get("code"))
		if code == "" || len(code) > 256 {
			fail(http.StatusBadRequest, iconFail, "nocode.title", "nocode.body", "no OAuth code at the callback (sign-in refused, or opened outside WeChat)")
			return
		}
		key = code
		ctx, cancel := context.WithTimeout(r.Context(), openIDTimeout)
		openid, usedBy, err = s.co.OpenID(ctx, order, code, s.qf.OpenID)
		cancel()
	}
	var perr *payment.Error
	switch {
	case err == nil:
	case errors.Is(err, checkout.ErrSignInUsed):
		s.log.Info("jsapi: sign-in used twice", "order", order, "attempt", usedBy)
		note := "OAuth code used twice (page reloaded or link shared); not exchanged again"
		if s.cfg.Mode == ModeOwn {
			note = "signed openid used twice (page reloaded or link shared); not used again"
		}
		if err := s.co.NoteAttempt(order, note); err != nil {
			s.log.Error("jsapi: cannot note the failure", "order", order, "err", err)
		}
		v := salePage(p)
		v.Icon, v.Title, v.Body, v.Ref = iconInfo, s.t("usedcode.title"), []text{s.t("usedcode.body")}, order
		if usedBy != "" {
			v.Actions = append(v.Actions, action{Href: s.localPath(s.resultURL(order, usedBy)), Label: s.t("button.check"), Primary: true})
		}
		v.Actions = append(v.Actions, action{Href: s.localPath(s.OrderURL(order)), Label: s.t("button.start"), Primary: usedBy == ""})
		s.render(w, http.StatusConflict, v)
		return
	case errors.Is(err, checkout.ErrTooManySignIns):
		fail(http.StatusTooManyRequests, iconFail, "toomany.title", "toomany.body", "WeChat sign-in refused: "+err.Error())
		return
	case errors.Is(err, checkout.ErrSignInBusy):
		fail(http.StatusTooManyRequests, iconInfo, "busy.title", "busy.body", "WeChat sign-in refused: "+err.Error())
		return
	case errors.Is(err, checkout.ErrNotOpen):
		v := salePage(p)
		v.Icon, v.Title, v.Body, v.Ref = iconInfo, s.t("closed.title"), []text{s.t("closed.body")}, order
		s.render(w, http.StatusGone, v)
		return
	case errors.As(err, &perr) && perr.RespCd != "" && !perr.Unknown():
		fail(http.StatusBadRequest, iconFail, "badcode.title", "badcode.body", "openid exchange refused: respcd "+perr.RespCd+" "+perr.RespErr)
		return
	default:
		fail(http.StatusServiceUnavailable, iconFail, "unreachable.title", "unreachable.body", "openid exchange failed: "+err.Error())
		return
	}

	a, params, err := s.co.StartAttempt(r.Context(), order, openid)
	if a != nil {
		s.co.SignInLed(order, key, a.OutTradeNo)
	}
	switch {
	case errors.Is(err, checkout.ErrNotOpen), errors.Is(err, store.ErrNotFound):
		if _, ok := s.open(w, order); ok { // open again meanwhile: say it is closed anyway
			v := salePage(p)
			v.Icon, v.Title, v.Body, v.Actions = iconInfo, s.t("closed.title"), []text{s.t("closed.body")}, retry
			s.render(w, http.StatusGone, v)
		}
		return
	case errors.Is(err, checkout.ErrAttemptRefused) && refusal(err) != "":
		s.log.Info("jsapi: payment refused", "order", order, "attempt", a.OutTradeNo, "err", err)
		v := salePage(p)
		v.Icon, v.Title, v.Body, v.Actions, v.Ref = iconFail, s.t("refused.title"), []text{s.t("refused.body")}, retry, a.OutTradeNo
		v.Detail = refusal(err)
		s.render(w, http.StatusOK, v)
		return
	case err != nil:
		s.log.Info("jsapi: payment not started", "order", order, "err", err)
		v := salePage(p)
		v.Icon, v.Title, v.Body, v.Actions = iconFail, s.t("unknown.title"), []text{s.t("unknown.body")}, retry
		if errors.Is(err, checkout.ErrAttemptUnknown) && a != nil {
			v.Ref = a.OutTradeNo
		} else {
			// Refused before it reached QFPay (no respcd: unreachable),
			// or not saved: nothing was sent.
			v.Title, v.Body, v.Ref = s.t("unreachable.title"), []text{s.t("unreachable.body")}, order
			if a != nil {
				v.Ref = a.OutTradeNo
			}
		}
		s.render(w, http.StatusServiceUnavailable, v)
		return
	case params == nil: // settled at once (paid without pay_params cannot happen; QFPay decides)
		s.keep(order, a.OutTradeNo, nil)
		http.Redirect(w, r, s.resultURL(order, a.OutTradeNo), http.StatusSeeOther)
		return
	}
	result := s.resultURL(order, a.OutTradeNo)
	if s.cfg.Mode == ModeOwn {
		// The page that calls WeixinJSBridge must be in the Official
		// Account's JSAPI payment directory, PUBLIC/jsapi/: it is
		// PUBLIC/jsapi/pay?attempt=…, whatever the order.
		s.keep(order, a.OutTradeNo, params)
		http.Redirect(w, r, s.payPageURL(a.OutTradeNo), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, s.qf.DirectURL(*params, payment.DirectInfo{
		MerchantName: s.cfg.MerchantName,
		Amount:       a.Amount,
		Currency:     a.Currency,
		GoodsName:    a.GoodsName,
		RedirectURL:  result,
	}), http.StatusFound)
	s.keep(order, a.OutTradeNo, nil)
}

// payPageURL is the ModeOwn page of an attempt that calls WeixinJSBridge.
func (s *Server) payPageURL(attempt string) string {
	return s.public + "/jsapi/pay?attempt=" + url.QueryEscape(attempt)
}

// keep remembers an attempt the callback sent the phone to pay, with its
// pay_params for the ModeOwn pay page (nil in ModeQFPay).
func (s *Server) keep(order, attempt string, p *payment.PayParams) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for no, k := range s.started {
		if now.Sub(k.at) > keepFor {
			delete(s.started, no)
		}
	}
	s.started[attempt] = &started{at: now, order: order, params: p}
}

// showFinal records that a page showed the final outcome of an attempt.
func (s *Server) showFinal(attempt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.started[attempt]; k != nil && !k.shown {
		k.shown = true
		close(s.shown)
		s.shown = make(chan struct{})
	}
}

// Unseen reports how many of the attempts these pages sent a phone to pay
// for the sale of the 800201 order have not had their final outcome shown
// by a page yet, and a channel closed when a page next shows one. A
// server that runs the pages for one sale keeps them up after the sale
// ends until it is 0, within a grace period.
func (s *Server) Unseen(order string) (n int, changed <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.started {
		if k.order == order && !k.shown {
			n++
		}
	}
	return n, s.shown
}

// payPage is GET /jsapi/pay?attempt=… (ModeOwn): the page that calls
// WeixinJSBridge.invoke('getBrandWCPayRequest', pay_params, …) and then
// goes to the result page, which asks the server.
func (s *Server) payPage(w http.ResponseWriter, r *http.Request) {
	no := r.URL.Query().Get("attempt")
	s.mu.Lock()
	var params *payment.PayParams
	if k := s.started[no]; k != nil {
		params = k.params
	}
	s.mu.Unlock()
	var a *store.Order
	if params != nil {
		a, _ = s.co.Store().Get(no)
	}
	if a == nil || a.Parent == "" {
		s.notFound(w, r)
		return
	}
	result := s.resultURL(a.Parent, a.OutTradeNo)
	if a.State != store.StateAwaiting { // settled (or being settled): the result page says how
		http.Redirect(w, r, result, http.StatusSeeOther)
		return
	}
	v := salePage(a)
	v.Icon, v.Title, v.Body, v.Ref = iconWait, s.t("paynow.title"), []text{s.t("paynow.body")}, a.OutTradeNo
	v.PayParams, v.ResultURL, v.NoBridge = params, result, s.t("paynow.nobridge")
	v.Actions = []action{{Label: s.t("button.pay"), Primary: true}, {Href: s.localPath(result), Label: s.t("button.check")}}
	s.render(w, http.StatusOK, v)
}

// refusal is QFPay's code and words for a refused payment, for the counter.
func refusal(err error) string {
	var perr *payment.Error
	if errors.As(err, &perr) && perr.RespCd != "" {
		return strings.TrimSpace("QFPay " + perr.RespCd + " " + perr.RespErr)
	}
	return ""
}

// attempt looks up the attempt of a result or status URL; nil when it is
// not one of this order's.
func (s *Server) attempt(ctx context.Context, order, no string) (*store.Order, error) {
	if !orderNo.MatchString(order) || !orderNo.MatchString(no) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	a, err := s.co.CheckAttempt(ctx, no)
	if a == nil || a.Parent != order {
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, checkout.ErrNotAttempt) {
			return nil, err
		}
		return nil, nil
	}
	if err != nil {
		// QFPay could not be asked now: the stored state stands, and the
		// page asks again.
		s.log.Info("jsapi: check failed; showing the stored state", "attempt", no, "err", err)
	}
	return a, nil
}

// outcome is what the result page says about an attempt.
func (s *Server) outcome(a *store.Order) (icon, title string, body []string, final bool) {
	switch a.State {
	case store.StatePaid:
		return iconOK, "paid.title", []string{"paid.body"}, true
	case store.StateFailed:
		return iconFail, "notpaid.title", []string{"notpaid.body"}, true
	case store.StateCancelled, store.StateExpired:
		return iconFail, "cancelled.title", []string{"cancelled.body"}, true
	}
	return iconWait, "checking.title", []string{"checking.body"}, false
}

// result is GET /jsapi/{order}/result/{attempt}, where the phone lands
// after paying (or not): the server asks QFPay, and the page polls status
// until the answer is final.
func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	order, no := r.PathValue("order"), r.PathValue("attempt")
	a, err := s.attempt(r.Context(), order, no)
	if err != nil {
		s.log.Error("jsapi: attempt lookup failed", "attempt", no, "err", err)
		s.render(w, http.StatusServiceUnavailable, page{Icon: iconFail, Title: s.t("error.title"), Body: []text{s.t("error.body")}})
		return
	}
	if a == nil {
		s.notFound(w, r)
		return
	}
	icon, title, body, final := s.outcome(a)
	if final {
		s.showFinal(a.OutTradeNo)
	}
	v := salePage(a)
	v.Icon, v.Title, v.Ref = icon, s.t(title), a.OutTradeNo
	for _, id := range body {
		v.Body = append(v.Body, s.t(id))
	}
	if a.State == store.StatePaid && s.paidTwice(order, a) {
		v.Body = append(v.Body, s.t("twice.body"))
	}
	if !final {
		v.StatusURL = s.localPath(s.OrderURL(order) + "/status/" + url.PathEscape(no))
		v.Slow = s.t("checking.slow")
	}
	if a.State != store.StatePaid {
		if _, err := s.co.CanAttempt(order); err == nil {
			v.Actions = []action{{Href: s.localPath(s.OrderURL(order)), Label: s.t("button.retry"), Primary: final}}
		}
	}
	s.render(w, http.StatusOK, v)
}

// paidTwice reports whether the sale's 800201 order is paid as well as
// the paid attempt a.
func (s *Server) paidTwice(order string, a *store.Order) bool {
	p, err := s.co.Store().Get(order)
	return err == nil && p.State == store.StatePaid && a.State == store.StatePaid
}

// Status is the JSON of GET /jsapi/{order}/status/{attempt}.
type Status struct {
	State string `json:"state"` // the attempt's store.State
	Final bool   `json:"final"` // the state will not change any more
	Paid  bool   `json:"paid"`
}

// status answers the result page's poll: the server asks QFPay (at most
// once a second per attempt) and says where the attempt stands.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	order, no := r.PathValue("order"), r.PathValue("attempt")
	a, err := s.attempt(r.Context(), order, no)
	code := http.StatusOK
	var st Status
	switch {
	case err != nil:
		code, st = http.StatusServiceUnavailable, Status{State: string(store.StateUnknown)}
	case a == nil:
		code, st = http.StatusNotFound, Status{State: "not_found", Final: true}
	default:
		_, _, _, final := s.outcome(a)
		st = Status{State: string(a.State), Final: final, Paid: a.State == store.StatePaid}
		if final {
			s.showFinal(a.OutTradeNo)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(st)
}

// home is / and /jsapi/: a page that says what this is (and lets a proxy
// check that the pages are up).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, page{Icon: iconInfo, Title: s.t("home.title"), Body: []text{s.t("home.body")}})
}

// notFound is the page for anything else.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusNotFound, page{Icon: iconFail, Title: s.t("noorder.title"), Body: []text{s.t("noorder.body")}})
}
