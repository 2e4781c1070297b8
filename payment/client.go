package payment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults of a Client.
const (
	DefaultTimeout   = 15 * time.Second                   // per HTTP attempt
	DefaultRetries   = 3                                  // extra attempts of idempotent calls
	DefaultDirectURL = "https://o2-hk.qfapi.com/q/direct" // JSAPI page when the region documents none
)

const (
	maxBody       = 4 << 20     // the largest answer read
	maxRetryAfter = time.Minute // the longest Retry-After honoured
	backoffBase   = 250 * time.Millisecond
	backoffCap    = 5 * time.Second
)

// Client calls the QFPay Open API for one merchant. It is safe for
// concurrent use; it holds the client key, which it never logs or puts in
// an error.
type Client struct {
	baseURL   string
	appCode   string
	key       string
	signType  SignType
	mchID     string
	loc       *time.Location
	timeout   time.Duration
	retries   int
	log       *slog.Logger
	directURL string
	hc        *http.Client
	budget    *atomic.Pointer[func(context.Context) error] // see SetBudget; never nil

	// Seams for tests.
	now         func() time.Time
	backoffBase time.Duration
	backoffCap  time.Duration
	jitter      func(limit time.Duration) time.Duration          // a random duration in [0, limit]
	sleep       func(ctx context.Context, d time.Duration) error // waits d or until ctx ends
}

// Option configures a Client in NewClient.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests with a shallow copy
// of hc (its Transport, Jar and Timeout) instead of a client of its own.
// The copy never follows redirects, whatever hc.CheckRedirect says (see
// noRedirects); hc itself is left unchanged. A nil hc is ignored.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			cp := *hc
			cp.CheckRedirect = noRedirects
			c.hc = &cp
		}
	}
}

// noRedirects is the CheckRedirect of every http.Client a Client uses.
// Following a redirect would send the request again — for 307 and 308
// with its body, so a payment, refund or cancellation twice — so the 3xx
// answer itself is returned, and attempt turns it into an error.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// WithSignType selects the signature algorithm. The default is SignMD5;
// SignSHA256 also sends the header X-QF-SIGNTYPE: SHA256. NewClient fails
// on any other value.
func WithSignType(t SignType) Option {
	return func(c *Client) { c.signType = t }
}

// WithMchID sets the mchid QFPay issued, sent (and signed) with every
// call. An empty mchid is never sent (§2.1).
func WithMchID(mchID string) Option {
	return func(c *Client) { c.mchID = strings.TrimSpace(mchID) }
}

// WithLocation sets the time zone txdtm, start_time and end_time are
// formatted in: the zone QFPay keeps time in, never the merchant's or the
// machine's. The default is ZoneOf(baseURL); nil is ignored.
func WithLocation(loc *time.Location) Option {
	return func(c *Client) {
		if loc != nil {
			c.loc = loc
		}
	}
}

// WithTimeout limits each HTTP attempt to d (default DefaultTimeout).
// Non-positive values keep the default.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRetries sets how many extra attempts idempotent calls (Query, the
// pages of QueryRange, OpenID) may make after a retryable error (default
// DefaultRetries). Negative values mean none.
func WithRetries(n int) Option {
	return func(c *Client) { c.retries = max(n, 0) }
}

// WithLogger makes the Client log requests (at debug level), retries and
// response-signature mismatches to l. The default discards everything.
// Neither the client key nor signatures are ever logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithDirectURL sets the WeChat JSAPI /q/direct page DirectURL points to.
// The default is the DirectURL of the region of the base URL (Regions),
// else DefaultDirectURL.
func WithDirectURL(u string) Option {
	return func(c *Client) { c.directURL = strings.TrimSpace(u) }
}

// NewClient returns a Client for the API at baseURL (a region name or a
// URL, see ResolveBaseURL) with the merchant's app code and client key.
func NewClient(baseURL, appCode, clientKey string, opts ...Option) (*Client, error) {
	base, err := ResolveBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("payment: %w", err)
	}
	appCode = strings.TrimSpace(appCode)
	if appCode == "" {
		return nil, errors.New("payment: no QFPay app code given")
	}
	if clientKey == "" {
		return nil, errors.New("payment: no QFPay client key given")
	}
	c := &Client{
		budget:      new(atomic.Pointer[func(context.Context) error]),
		baseURL:     base,
		appCode:     appCode,
		key:         clientKey,
		signType:    SignMD5,
		loc:         ZoneOf(base),
		timeout:     DefaultTimeout,
		retries:     DefaultRetries,
		log:         slog.New(slog.DiscardHandler),
		hc:          &http.Client{CheckRedirect: noRedirects},
		now:         time.Now,
		backoffBase: backoffBase,
		backoffCap:  backoffCap,
		jitter:      func(limit time.Duration) time.Duration { return rand.N(limit + 1) },
		sleep:       sleepCtx,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.signType != SignMD5 && c.signType != SignSHA256 {
		return nil, fmt.Errorf("payment: unknown sign type %q (want MD5 or SHA256)", c.signType)
	}
	if c.directURL == "" {
		c.directURL = DefaultDirectURL
		if r, ok := LookupRegion(base); ok && r.DirectURL != "" {
			c.directURL = r.DirectURL
		}
	}
	if u, err := url.Parse(c.directURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("payment: direct URL %q is not an absolute http(s) URL", c.directURL)
	}
	return c, nil
}

// BaseURL returns the API base URL the Client calls, without a trailing
// slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Location returns the time zone the Client formats times in, and QFPay's
// sysdtm and paydtm are read in.
func (c *Client) Location() *time.Location { return c.loc }

// String describes the Client without its key.
func (c *Client) String() string {
	return fmt.Sprintf("payment.Client{%s app=%s sign=%s}", c.baseURL, c.appCode, c.signType)
}

// GoString is String, so that %#v does not print the key either.
func (c *Client) GoString() string { return c.String() }

// LogValue is what slog logs for a Client: no key.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base", c.baseURL), slog.String("app", c.appCode))
}

// formatTime formats t in the Client's location.
func (c *Client) formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(c.loc).Format(TimeLayout)
}

// sign adds mchid to params and returns the signature of what is sent.
func (c *Client) sign(params map[string]string) string {
	if c.mchID != "" {
		params["mchid"] = c.mchID
	}
	for k, v := range params {
		if v == "" {
			delete(params, k)
		}
	}
	return Sign(params, c.key, c.signType)
}

// call is one API request with its retries.
type call struct {
	op     string
	method string // http.MethodPost or http.MethodGet
	path   string
	params map[string]string
	// retry says whether an attempt that failed with e may be repeated.
	retry func(e *Error) bool
	// once forbids net/http to replay the request on its own, which it
	// does for a GET whose reused connection fails.
	once bool
	// date, when set, receives the server's clock: the HTTP Date header
	// of the answer (zero when it has none).
	date *time.Time
}

// SetBudget makes every request the Client sends — each attempt of every
// call, retries included: payment, query (every page), close, reversal,
// refund, openid — wait for wait(ctx) first. A request wait refuses is
// not sent and fails with its error. checkout.New sets the engine's
// token bucket here, so a device keeps to its share of the merchant's
// QFPay rate limit; a Client therefore serves one engine. nil removes it.
func (c *Client) SetBudget(wait func(ctx context.Context) error) {
	if wait == nil {
		c.budget.Store(nil)
		return
	}
	c.budget.Store(&wait)
}

// retryIdempotent repeats calls that are safe to repeat.
func retryIdempotent(e *Error) bool { return e.Retryable() }

// retryUnsent repeats only requests that certainly never reached QFPay.
func retryUnsent(e *Error) bool { return e.notSent && e.Retryable() }

// do sends the call, retrying when k.retry allows. It returns the decoded
// answer whenever there is one — also together with an *Error for a
// respcd other than 0000.
func (c *Client) do(ctx context.Context, k call) (object, error) {
	sig := c.sign(k.params)
	for attempt := 0; ; attempt++ {
		o, err := c.attempt(ctx, k, sig, attempt)
		var e *Error
		if err == nil || !errors.As(err, &e) || k.retry == nil || attempt >= c.retries || !k.retry(e) {
			return o, err
		}
		d := c.jitter(min(c.backoffCap, c.backoffBase<<min(attempt, 20)))
		if e.RetryAfter > d {
			d = min(e.RetryAfter, maxRetryAfter)
		}
		c.log.Info("qfpay: retrying", "op", k.op, "attempt", attempt+1, "wait", d, "err", err)
		if serr := c.sleep(ctx, d); serr != nil {
			return o, err
		}
	}
}

// attempt sends the request once.
func (c *Client) attempt(ctx context.Context, k call, sig string, n int) (object, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: k.op, Err: err, notSent: true, ctxDone: true}
	}
	if wait := c.budget.Load(); wait != nil {
		if err := (*wait)(ctx); err != nil {
			return nil, &Error{Op: k.op, Err: err, notSent: true, ctxDone: ctx.Err() != nil}
		}
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var sent sendTrace
	actx = httptrace.WithClientTrace(actx, sent.clientTrace())

	form := url.Values{}
	for name, v := range k.params {
		form.Set(name, v)
	}
	u := c.baseURL + k.path
	var body io.Reader
	if k.method == http.MethodGet {
		u += "?" + form.Encode()
		if k.once {
			// A request with a body and no GetBody is never replayed by
			// the Transport (see http.Transport); an empty body sends
			// nothing.
			body = emptyBody{}
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(actx, k.method, u, body)
	if err != nil {
		return nil, &Error{Op: k.op, Err: fmt.Errorf("%w: %v", ErrInvalidRequest, err), notSent: true}
	}
	if k.method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-QF-APPCODE", c.appCode)
	req.Header.Set("X-QF-SIGN", sig)
	if c.signType == SignSHA256 {
		req.Header.Set("X-QF-SIGNTYPE", string(SignSHA256))
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		e := &Error{Op: k.op, Err: redact(err), notSent: sent.notSent(err)}
		if ctx.Err() != nil {
			e.ctxDone = true
		}
		c.log.Debug("qfpay request failed", "op", k.op, "attempt", n, "elapsed", time.Since(start), "err", e.Err)
		return nil, e
	}
	defer resp.Body.Close()
	if k.date != nil {
		*k.date = time.Time{}
		if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			*k.date = t
		}
	}
	raw, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if rerr == nil && len(raw) > maxBody {
		rerr = fmt.Errorf("%w: answer larger than %d bytes", errUndecodable, maxBody)
	}
	log := c.log.With("op", k.op, "attempt", n, "status", resp.StatusCode, "elapsed", time.Since(start))
	if rerr != nil {
		e := &Error{Op: k.op, HTTPStatus: resp.StatusCode, Err: redact(rerr)}
		if ctx.Err() != nil {
			e.ctxDone = true
		}
		log.Debug("qfpay answer unreadable", "err", e.Err)
		return nil, e
	}
	if sig := resp.Header.Get("X-QF-SIGN"); sig != "" && !c.verifyAnswer(raw, sig) {
		// §3: verification is encouraged, but the scheme is disputed; do
		// not fail a call over it.
		log.Warn("qfpay answer signature does not match its body")
	}

	o, derr := decodeObject(raw)
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		// Not followed (noRedirects): the server that answered may have
		// acted on the request, so the outcome is unknown.
		loc := resp.Header.Get("Location")
		if i := strings.IndexByte(loc, '?'); i >= 0 {
			loc = loc[:i]
		}
		e := &Error{Op: k.op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("%w (Location %q)", errRedirect, loc)}
		if derr == nil {
			e.Result = o.result()
		}
		log.Warn("qfpay answer is a redirect; not followed", "location", loc)
		return nil, e
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{Op: k.op, HTTPStatus: resp.StatusCode}
		if derr == nil {
			e.Result = o.result()
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		log.Debug("qfpay answer", "respcd", e.RespCd)
		return nil, e
	}
	if derr != nil {
		log.Debug("qfpay answer undecodable", "err", derr)
		return nil, &Error{Op: k.op, HTTPStatus: resp.StatusCode, Err: derr}
	}
	res := o.result()
	log.Debug("qfpay answer", "respcd", res.RespCd)
	if res.RespCd == "" {
		return nil, &Error{Op: k.op, HTTPStatus: resp.StatusCode, Result: res,
			Err: fmt.Errorf("%w: no respcd: %s", errUndecodable, snippet(raw))}
	}
	if res.RespCd != RespOK {
		return o, &Error{Op: k.op, HTTPStatus: resp.StatusCode, Result: res}
	}
	return o, nil
}

// verifyAnswer checks a response X-QF-SIGN: MD5(raw body + key) (§3, V2),
// or its SHA256 counterpart when the Client signs with SHA256.
func (c *Client) verifyAnswer(raw []byte, sig string) bool {
	return VerifyBody(raw, sig, c.key) || (c.signType == SignSHA256 && verifyBodyAs(raw, sig, c.key, SignSHA256))
}

// sendTrace follows one attempt through net/http to tell, when it fails,
// whether the request may have reached the server.
type sendTrace struct {
	conn  atomic.Bool // the Transport reported getting a connection
	wrote atomic.Bool // the Transport began writing the request (maybe failing)
}

func (s *sendTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:      func(string) { s.conn.Store(true) },
		WroteHeaders: func() { s.wrote.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { s.wrote.Store(true) },
	}
}

// notSent reports whether the request of an attempt that failed with err
// certainly never reached the server. net/http reports WroteHeaders and
// WroteRequest once the request is in its write buffer, before it goes
// out (HTTP/1) or right after (HTTP/2); once either was reported the
// request counts as sent, even if writing then failed. A Transport that
// reports nothing to traces (a custom RoundTripper) gives no such
// evidence: then only errors that cannot come after a write count.
func (s *sendTrace) notSent(err error) bool {
	switch {
	case s.wrote.Load():
		return false
	case s.conn.Load():
		return true
	}
	return failedBeforeWrite(err)
}

// redact drops the query of URLs in transport errors: for GET calls it
// holds request parameters (never the key or the signature, but there is
// no need to repeat them).
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if i := strings.IndexByte(ue.URL, '?'); i >= 0 {
			cp := *ue
			cp.URL = ue.URL[:i]
			return &cp
		}
	}
	return err
}

// emptyBody is an empty body http.NewRequest does not recognise, so that
// it sets no GetBody.
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }

// sleepCtx waits d, or less if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
