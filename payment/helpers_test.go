package payment

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testKey = "0123456789ABCDEF0123456789ABCDEF"
	testApp = "5D81D64E602043F7AF51CE0123456789"
)

// hkt is the zone the tests format times in.
var hkt = time.FixedZone("HKT", 8*3600)

// seen is one request as the fake server received it.
type seen struct {
	method, path string
	header       http.Header
	form         url.Values // the POST body, or the GET query
	rawQuery     string
	// The framing of the body as the server parsed it (the server takes
	// Content-Length and Transfer-Encoding out of header).
	contentLength    int64
	transferEncoding []string
	body             []byte // what the body held (read for every method)
}

// fake is a QFPay double for one test: it checks what every request
// must have (app code, signature, sign type, no empty values) and hands
// the request to handle.
type fake struct {
	t        *testing.T
	srv      *httptest.Server
	signType SignType
	mchID    string

	mu     sync.Mutex
	reqs   []seen
	handle func(w http.ResponseWriter, r *http.Request, s seen)
}

// newFake starts a fake whose handler is handle.
func newFake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, s seen)) *fake {
	t.Helper()
	f := &fake{t: t, signType: SignMD5, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	s := seen{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), rawQuery: r.URL.RawQuery,
		contentLength: r.ContentLength, transferEncoding: slices.Clone(r.TransferEncoding)}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("%s: reading the body: %v", r.URL.Path, err)
	}
	s.body = body
	if r.Method == http.MethodPost {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			t.Errorf("%s: Content-Type %q", r.URL.Path, ct)
		}
		if r.URL.RawQuery != "" {
			t.Errorf("%s: POST with a query %q", r.URL.Path, r.URL.RawQuery)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("%s: bad form body %q: %v", r.URL.Path, body, err)
		}
		s.form = form
	} else {
		s.form = r.URL.Query()
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, s)
	handle := f.handle
	f.mu.Unlock()

	if r.URL.Path != pathOAuthCode {
		f.checkSigned(s)
	}
	if handle != nil {
		handle(w, r, s)
	}
}

// checkSigned verifies the headers and the signature of a request.
func (f *fake) checkSigned(s seen) {
	t := f.t
	if got := s.header.Get("X-QF-APPCODE"); got != testApp {
		t.Errorf("%s: X-QF-APPCODE %q", s.path, got)
	}
	st := s.header.Values("X-QF-SIGNTYPE")
	switch f.signType {
	case SignSHA256:
		if !slices.Equal(st, []string{"SHA256"}) {
			t.Errorf("%s: X-QF-SIGNTYPE %q, want SHA256", s.path, st)
		}
	default:
		if len(st) != 0 {
			t.Errorf("%s: X-QF-SIGNTYPE %q sent for MD5", s.path, st)
		}
	}
	params := map[string]string{}
	for k, vs := range s.form {
		if len(vs) != 1 {
			t.Errorf("%s: %s sent %d times", s.path, k, len(vs))
		}
		if vs[0] == "" {
			t.Errorf("%s: empty %s sent", s.path, k)
		}
		params[k] = vs[0]
	}
	if want := Sign(params, testKey, f.signType); s.header.Get("X-QF-SIGN") != want {
		t.Errorf("%s: X-QF-SIGN %q, want %q over %q", s.path, s.header.Get("X-QF-SIGN"), want, SigningString(params))
	}
	mch, ok := params["mchid"]
	switch {
	case f.mchID == "" && ok:
		t.Errorf("%s: mchid %q sent without one configured", s.path, mch)
	case f.mchID != "" && mch != f.mchID:
		t.Errorf("%s: mchid %q, want %q", s.path, mch, f.mchID)
	}
}

// hits counts the requests to path.
func (f *fake) hits(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.reqs {
		if s.path == path {
			n++
		}
	}
	return n
}

// count is the number of requests received so far.
func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// signatures lists the X-QF-SIGN headers received.
func (f *fake) signatures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.reqs {
		out = append(out, s.header.Get("X-QF-SIGN"))
	}
	return out
}

// setHandle replaces the handler.
func (f *fake) setHandle(h func(w http.ResponseWriter, r *http.Request, s seen)) {
	f.mu.Lock()
	f.handle = h
	f.mu.Unlock()
}

// last is the last request received.
func (f *fake) last() seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		f.t.Fatal("no request received")
	}
	return f.reqs[len(f.reqs)-1]
}

// sleeps records the back-off waits of a test client.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// client returns a Client of the fake that does not really sleep between
// retries; its waits are recorded in the returned sleeps.
func (f *fake) client(opts ...Option) (*Client, *sleeps) {
	f.t.Helper()
	all := append([]Option{WithLocation(hkt), WithSignType(f.signType), WithMchID(f.mchID)}, opts...)
	c, err := NewClient(f.srv.URL, testApp, testKey, all...)
	if err != nil {
		f.t.Fatal(err)
	}
	s := &sleeps{}
	c.sleep = s.sleep
	return c, s
}

// reply writes a JSON body.
func reply(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, body)
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// wantForm compares a request's parameters with want exactly.
func wantForm(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	g := map[string]string{}
	for k := range got {
		g[k] = got.Get(k)
	}
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("parameters\n got %v\nwant %v", g, want)
	}
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func debugLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
