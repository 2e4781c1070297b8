package payment

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The operations of a Client, each with its path and whether it may be
// retried (only query).
var ops = []struct {
	name, path string
	idempotent bool
	call       func(ctx context.Context, c *Client) error
}{
	{"payment", pathPayment, false, func(ctx context.Context, c *Client) error {
		_, err := c.CreatePayment(ctx, PaymentRequest{OutTradeNo: "A", Amount: 1, Currency: "HKD"})
		return err
	}},
	{"query", pathQuery, true, func(ctx context.Context, c *Client) error {
		_, err := c.Query(ctx, QueryRequest{OutTradeNo: []string{"A"}})
		return err
	}},
	{"close", pathClose, false, func(ctx context.Context, c *Client) error {
		_, err := c.Close(ctx, CancelRequest{OutTradeNo: "A", Amount: 1})
		return err
	}},
	{"reversal", pathReversal, false, func(ctx context.Context, c *Client) error {
		_, err := c.Reversal(ctx, CancelRequest{OutTradeNo: "A", Amount: 1})
		return err
	}},
	{"refund", pathRefund, false, func(ctx context.Context, c *Client) error {
		_, err := c.Refund(ctx, RefundRequest{SysSN: "S", OutTradeNo: "R", Amount: 1})
		return err
	}},
}

func TestErrorClassification(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tests := []struct {
		name       string
		handle     func(w http.ResponseWriter, r *http.Request)
		unknown    bool
		retryable  bool
		status     int
		respcd     string
		retryAfter time.Duration
		is         error
		timeout    time.Duration // per attempt; 0 is the default
	}{
		{name: "500", handle: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "oops", http.StatusInternalServerError)
		}, unknown: true, retryable: true, status: 500},
		{name: "502 with a JSON body", handle: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			reply(w, `{"respcd":"1100"}`)
		}, unknown: true, retryable: true, status: 502, respcd: "1100"},
		{name: "503 with Retry-After", handle: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, unknown: true, retryable: true, status: 503, retryAfter: time.Second},
		{name: "429 with Retry-After", handle: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}, unknown: true, retryable: true, status: 429, retryAfter: 2 * time.Second},
		{name: "garbage body", handle: func(w http.ResponseWriter, r *http.Request) {
			reply(w, "<html>gateway</html>")
		}, unknown: true, retryable: false, status: 200, is: errUndecodable},
		{name: "truncated JSON", handle: func(w http.ResponseWriter, r *http.Request) {
			reply(w, `{"respcd":"0000","qrcode":"weixin://`)
		}, unknown: true, retryable: false, status: 200, is: errUndecodable},
		{name: "empty body", handle: func(w http.ResponseWriter, r *http.Request) {}, unknown: true, status: 200, is: errUndecodable},
		{name: "no respcd", handle: func(w http.ResponseWriter, r *http.Request) {
			reply(w, `{"syssn":"S"}`)
		}, unknown: true, status: 200, is: errUndecodable},
		{name: "dropped connection", handle: func(w http.ResponseWriter, r *http.Request) {
			drop(w)
		}, unknown: true, retryable: true},
		{name: "timeout", handle: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}, unknown: true, retryable: true, is: context.DeadlineExceeded, timeout: 100 * time.Millisecond}, // long enough for the request to reach the handler on a loaded machine,
		{name: "1143", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1143"}`) }, unknown: true, status: 200, respcd: "1143"},
		{name: "1145", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":1145}`) }, unknown: true, status: 200, respcd: "1145"},
		{name: "1298", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1298"}`) }, unknown: true, status: 200, respcd: "1298"},
		{name: "1102 duplicate", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1102"}`) }, unknown: true, status: 200, respcd: "1102"},
		{name: "1108 signature", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1108","resperr":"签名错误"}`) }, status: 200, respcd: "1108"},
		{name: "1100 maintenance", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1100"}`) }, retryable: true, status: 200, respcd: "1100"},
		{name: "1252 system error", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1252"}`) }, unknown: true, retryable: true, status: 200, respcd: "1252"},
		{name: "1297 bank busy", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1297"}`) }, retryable: true, status: 200, respcd: "1297"},
		{name: "1294 risk", handle: func(w http.ResponseWriter, r *http.Request) { reply(w, `{"respcd":"1294"}`) }, status: 200, respcd: "1294"},
		{name: "404 text", handle: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, status: 404},
		{name: "400 with respcd", handle: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			reply(w, `{"respcd":"1103","resperr":"format error"}`)
		}, status: 400, respcd: "1103"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) { tt.handle(w, r) })
			c, sl := f.client(WithTimeout(tt.timeout))
			for _, op := range ops {
				err := op.call(context.Background(), c)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("%s: %T %v", op.name, err, err)
				}
				if e.Op != op.name || e.Unknown() != tt.unknown || IsUnknown(err) != tt.unknown || e.Retryable() != tt.retryable ||
					e.HTTPStatus != tt.status || e.RespCd != tt.respcd || e.RetryAfter != tt.retryAfter {
					t.Errorf("%s: %v: op %q unknown %v retryable %v status %d respcd %q retry-after %v", op.name, err,
						e.Op, e.Unknown(), e.Retryable(), e.HTTPStatus, e.RespCd, e.RetryAfter)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("%s: %v is not %v", op.name, err, tt.is)
				}
				want := 1
				if op.idempotent && tt.retryable {
					want += DefaultRetries
				}
				if n := f.hits(op.path); n != want {
					t.Errorf("%s: %d requests, want %d", op.name, n, want)
				}
			}
			waits := sl.all()
			if !tt.retryable && len(waits) != 0 {
				t.Errorf("waited %v", waits)
			}
			if tt.retryAfter > 0 && !slices.Equal(waits, []time.Duration{tt.retryAfter, tt.retryAfter, tt.retryAfter}) {
				t.Errorf("waits %v, want Retry-After %v", waits, tt.retryAfter)
			}
		})
	}
}

func TestRetryRecovers(t *testing.T) {
	f := newFake(t, nil)
	f.setHandle(func(w http.ResponseWriter, r *http.Request, s seen) {
		if f.count() < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		reply(w, `{"respcd":"0000","data":[{"syssn":"S","respcd":"0000","cancel":0}]}`)
	})
	c, sl := f.client()
	resp, err := c.Query(context.Background(), QueryRequest{SysSN: []string{"S"}})
	if err != nil || len(resp.Records) != 1 || resp.Records[0].Status() != StatusPaid {
		t.Fatalf("%+v, %v", resp, err)
	}
	if n := f.hits(pathQuery); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	// Every attempt carries the same parameters and signature.
	sigs := f.signatures()
	if sigs[0] != sigs[1] || sigs[1] != sigs[2] {
		t.Errorf("signatures differ: %v", sigs)
	}
	if w := sl.all(); len(w) != 2 {
		t.Errorf("waits %v", w)
	}
}

func TestBackoffSchedule(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		w.WriteHeader(http.StatusBadGateway)
	})
	c, sl := f.client(WithRetries(7))
	c.jitter = func(limit time.Duration) time.Duration { return limit } // the ceiling of full jitter
	if _, err := c.Query(context.Background(), QueryRequest{}); !IsUnknown(err) {
		t.Fatal(err)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if got := sl.all(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}

	// The default jitter stays within [0, limit].
	c2, _ := NewClient("hk", "A", "K")
	for i := 0; i < 1000; i++ {
		if d := c2.jitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("jitter %v", d)
		}
	}
	if d := c2.jitter(0); d != 0 {
		t.Fatalf("jitter(0) = %v", d)
	}
}

func TestBackoffStopsOnContext(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	c, _ := f.client()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.sleep = func(ctx context.Context, d time.Duration) error {
		time.AfterFunc(5*time.Millisecond, cancel) // the caller gives up while we wait
		return sleepCtx(ctx, d)
	}
	c.backoffBase, c.backoffCap = time.Hour, time.Hour
	c.jitter = func(limit time.Duration) time.Duration { return limit }
	start := time.Now()
	_, err := c.Query(ctx, QueryRequest{})
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %v", el)
	}
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 503 {
		t.Errorf("err %v", err)
	}
	if n := f.hits(pathQuery); n != 1 {
		t.Errorf("%d requests", n)
	}
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Error(err)
	}
}

func TestContextCancelledInFlight(t *testing.T) {
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
				arrived <- struct{}{}
				<-r.Context().Done()
			})
			c, sl := f.client()
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-arrived
				cancel()
			}()
			err := op.call(ctx, c)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, context.Canceled) || !IsUnknown(err) || e.Retryable() {
				t.Errorf("err %v: unknown %v retryable %v", err, IsUnknown(err), e != nil && e.Retryable())
			}
			if n := f.hits(op.path); n != 1 || len(sl.all()) != 0 {
				t.Errorf("%d requests, waits %v", n, sl.all())
			}
		})
	}
}

func TestContextDoneBeforeSending(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) { reply(w, `{"respcd":"0000"}`) })
	c, _ := f.client()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, op := range ops {
		err := op.call(ctx, c)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, context.Canceled) || e.Unknown() || e.Retryable() {
			t.Errorf("%s: %v", op.name, err)
		}
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// countingTransport counts round trips.
type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, op := range append(ops[:len(ops):len(ops)], struct {
		name, path string
		idempotent bool
		call       func(ctx context.Context, c *Client) error
	}{"openid", pathOpenID, true, func(ctx context.Context, c *Client) error {
		_, err := c.OpenID(ctx, "code")
		return err
	}}) {
		tr := &countingTransport{base: &http.Transport{}}
		c, err := NewClient("http://"+addr, testApp, testKey, WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		sl := &sleeps{}
		c.sleep = sl.sleep
		err = op.call(context.Background(), c)
		var e *Error
		if !errors.As(err, &e) || e.Unknown() || !e.Retryable() || e.HTTPStatus != 0 {
			t.Errorf("%s: %v: unknown %v", op.name, err, IsUnknown(err))
		}
		want := int32(1)
		if op.idempotent {
			want += DefaultRetries
		}
		if n := tr.n.Load(); n != want {
			t.Errorf("%s: %d attempts, want %d", op.name, n, want)
		}
	}
}

func TestOpenIDNotRetriedOnceSent(t *testing.T) {
	tests := map[string]func(w http.ResponseWriter){
		"503":     func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) },
		"429":     func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) },
		"dropped": drop,
		"1252":    func(w http.ResponseWriter) { reply(w, `{"respcd":"1252"}`) },
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
				if s.path == pathQuery {
					reply(w, `{"respcd":"0000"}`)
					return
				}
				h(w)
			})
			c, _ := f.client()
			// A query first, so that the openid request goes out on a
			// reused keep-alive connection, which net/http would replay
			// for a GET.
			if _, err := c.Query(context.Background(), QueryRequest{}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.OpenID(context.Background(), "code"); !IsUnknown(err) {
				t.Errorf("err %v", err)
			}
			if n := f.hits(pathOpenID); n != 1 {
				t.Errorf("the single-use code was sent %d times", n)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: "payment", HTTPStatus: 200, Result: Result{RespCd: "1108", RespErr: "sign error", RespMsg: "check key"}}, "qfpay payment: respcd 1108 sign error (check key)"},
		{&Error{Op: "query", HTTPStatus: 503}, "qfpay query: HTTP 503"},
		{&Error{Op: "close", Err: context.DeadlineExceeded}, "qfpay close: context deadline exceeded"},
		{&Error{}, "qfpay call"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	inner := errors.New("inner")
	if !errors.Is(&Error{Err: inner}, inner) {
		t.Error("Unwrap")
	}
	var nilErr *Error
	if nilErr.Unknown() || nilErr.Retryable() {
		t.Error("nil *Error")
	}
	wrapped := fmt.Errorf("sale: %w", &Error{Op: "payment", Result: Result{RespCd: "1143"}})
	if !IsUnknown(wrapped) || IsUnknown(errors.New("x")) || !IsUnknown(context.Canceled) || IsUnknown(nil) {
		t.Error("IsUnknown")
	}
	if (&Error{Op: "query", Err: errors.New("connection reset by peer")}).Unknown() != true {
		t.Error("a reset is unknown")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 0 ":                           0,
		"-4":                            0,
		"soon":                          0,
		"Mon, 01 Jan 2024 00:00:10 GMT": 10 * time.Second,
		"Sun, 31 Dec 2023 23:00:00 GMT": 0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	// Retry-After beyond a minute is capped in the retry loop.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, sl := f.client(WithRetries(1))
	_, _ = c.Query(context.Background(), QueryRequest{})
	if w := sl.all(); !slices.Equal(w, []time.Duration{maxRetryAfter}) {
		t.Errorf("waits %v", w)
	}
	if !strings.Contains((&Error{Op: "query", HTTPStatus: 429}).Error(), "429") {
		t.Error("status missing from message")
	}
}

// TestRedirectNotFollowed checks that a 3xx answer is never followed — a
// 307 or 308 would make net/http send the payment again, body and all, to
// the new address — and that it leaves the outcome unknown: the server
// that answered may have acted. The caller's own http.Client is not
// changed.
func TestRedirectNotFollowed(t *testing.T) {
	all := append(ops[:len(ops):len(ops)], struct {
		name, path string
		idempotent bool
		call       func(ctx context.Context, c *Client) error
	}{"openid", pathOpenID, true, func(ctx context.Context, c *Client) error {
		_, err := c.OpenID(ctx, "code")
		return err
	}})
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound, http.StatusMovedPermanently} {
		for _, own := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d own client %v", code, own), func(t *testing.T) {
				var second atomic.Int32
				f := newFake(t, func(w http.ResponseWriter, r *http.Request, s seen) {
					if s.path == "/second" {
						second.Add(1)
						reply(w, `{"respcd":"0000","syssn":"S2","openid":"o","data":[]}`)
						return
					}
					http.Redirect(w, r, "/second?x=1", code)
				})
				var opts []Option
				hc := &http.Client{}
				if own {
					opts = append(opts, WithHTTPClient(hc))
				}
				c, sl := f.client(opts...)
				for _, op := range all {
					err := op.call(context.Background(), c)
					var e *Error
					if !errors.As(err, &e) || !e.Unknown() || !IsUnknown(err) || e.Retryable() || e.HTTPStatus != code || e.Op != op.name {
						t.Errorf("%s: %v: unknown %v retryable %v", op.name, err, IsUnknown(err), e != nil && e.Retryable())
					}
					if n := f.hits(op.path); n != 1 {
						t.Errorf("%s: sent %d times", op.name, n)
					}
				}
				if n := second.Load(); n != 0 {
					t.Errorf("the redirect was followed %d times", n)
				}
				if w := sl.all(); len(w) != 0 {
					t.Errorf("retried after a redirect: %v", w)
				}
				if hc.CheckRedirect != nil {
					t.Error("the caller's http.Client was changed")
				}
			})
		}
	}
}

// rawServer accepts connections on a loopback port and hands each to
// serve; it returns the address and a count of the connections accepted.
func rawServer(t *testing.T, serve func(conn net.Conn)) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var n atomic.Int32
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go func() {
				defer conn.Close()
				serve(conn)
			}()
		}
	}()
	return l.Addr().String(), &n
}

// TestSentOrNot checks that an attempt counts as not sent exactly when
// net/http never wrote the request, whatever the error looks like: a
// connection closed during the TLS handshake (before the request could be
// written) is a definitive failure that OpenID may retry; a connection
// closed once the request was written — read by the server or not, the
// client cannot tell — is unknown and OpenID's code is not sent again.
func TestSentOrNot(t *testing.T) {
	withOpenID := append(ops[:len(ops):len(ops)], struct {
		name, path string
		idempotent bool
		call       func(ctx context.Context, c *Client) error
	}{"openid", pathOpenID, true, func(ctx context.Context, c *Client) error {
		_, err := c.OpenID(ctx, "code")
		return err
	}})
	tests := []struct {
		name    string
		scheme  string
		serve   func(conn net.Conn)
		notSent bool
	}{
		// The client speaks TLS; the server hangs up on its ClientHello.
		{"closed before the request is written", "https", func(conn net.Conn) {}, true},
		// Plain HTTP: the request arrives, the server hangs up without
		// reading it; the client cannot know it was not read.
		{"closed before reading the request", "http", func(conn net.Conn) {
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			conn.Read(make([]byte, 1))
		}, false},
		{"closed after reading the request", "http", func(conn net.Conn) {
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			req, err := http.ReadRequest(bufio.NewReader(conn))
			if err == nil {
				io.Copy(io.Discard, req.Body)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, accepted := rawServer(t, tt.serve)
			for _, op := range withOpenID {
				c, err := NewClient(tt.scheme+"://"+addr, testApp, testKey, WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
				if err != nil {
					t.Fatal(err)
				}
				sl := &sleeps{}
				c.sleep = sl.sleep
				before := accepted.Load()
				err = op.call(context.Background(), c)
				var e *Error
				if !errors.As(err, &e) || e.Unknown() == tt.notSent || e.HTTPStatus != 0 {
					t.Errorf("%s: %v: unknown %v, want %v", op.name, err, IsUnknown(err), !tt.notSent)
				}
				want := int32(1)
				if op.idempotent && (tt.notSent || op.name == "query") {
					want += DefaultRetries
				}
				if n := accepted.Load() - before; n != want {
					t.Errorf("%s: %d attempts, want %d", op.name, n, want)
				}
			}
		})
	}
}

// traceless is a RoundTripper that reports nothing to traces.
type traceless func(*http.Request) (*http.Response, error)

func (f traceless) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSentOrNotWithoutTrace checks the fallback for a transport that
// reports nothing: only errors that cannot follow a write count as not
// sent.
func TestSentOrNotWithoutTrace(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		notSent bool
	}{
		{"DNS", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, true},
		{"dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		c, err := NewClient("http://127.0.0.1:1", testApp, testKey, WithHTTPClient(&http.Client{
			Transport: traceless(func(*http.Request) (*http.Response, error) { return nil, tt.err })}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreatePayment(context.Background(), PaymentRequest{OutTradeNo: "A", Amount: 1, Currency: "HKD"})
		if IsUnknown(err) == tt.notSent {
			t.Errorf("%s: %v: unknown %v", tt.name, err, IsUnknown(err))
		}
	}
}
