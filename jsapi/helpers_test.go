package jsapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"html"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/internal/testrig"
	"github.com/qfpos/qfpos/jsapi"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// User-Agents of the phones and desktops the tests play.
const (
	wechatUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
	desktopUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

// flaky is a transport that can make QFPay unreachable for the client:
// requests whose path starts with down fail as a refused connection.
type flaky struct {
	down atomic.Pointer[string]
	base http.RoundTripper
	mu   sync.Mutex
	seen map[string]int // requests sent, by path
}

// hits is how many requests the client sent to path (also those cut).
func (f *flaky) hits(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[path]
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[r.URL.Path]++
	f.mu.Unlock()
	if p := f.down.Load(); p != nil && strings.HasPrefix(r.URL.Path, *p) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused (test)")}
	}
	return f.base.RoundTrip(r)
}

// cut makes QFPay unreachable for paths starting with prefix ("" restores).
func (f *flaky) cut(prefix string) {
	if prefix == "" {
		f.down.Store(nil)
		return
	}
	f.down.Store(&prefix)
}

type rig struct {
	t      *testing.T
	srv    *sandbox.Server
	client *payment.Client
	net    *flaky
	st     *store.Store
	eng    *checkout.Engine
	pages  *jsapi.Server
	web    *httptest.Server
}

// newRig starts the sandbox, an engine on it and the pages on their own
// server, whose URL is the public URL.
func newRig(t *testing.T, tweak func(*checkout.Settings), cfg jsapi.Config) *rig {
	t.Helper()
	fl := &flaky{base: http.DefaultTransport.(*http.Transport).Clone()}
	tr := testrig.New(t, testrig.Options{
		Sandbox:   sandbox.Config{MerchantName: "Tea House"},
		Client:    []payment.Option{payment.WithHTTPClient(&http.Client{Transport: fl})},
		DirectURL: true,
		Settings: func(s *checkout.Settings) {
			s.GoodsName = "Oolong tea"
			if tweak != nil {
				tweak(s)
			}
		},
	})
	srv, client, st, eng := tr.Sandbox, tr.Client, tr.Store, tr.Engine
	web := httptest.NewUnstartedServer(nil)
	web.Start()
	t.Cleanup(web.Close)
	cfg.PublicURL = web.URL
	if cfg.MerchantName == "" {
		cfg.MerchantName = "Tea House"
	}
	pages, err := jsapi.New(eng, client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	web.Config.Handler = pages
	return &rig{t: t, srv: srv, client: client, net: fl, st: st, eng: eng, pages: pages, web: web}
}

// sale starts an 800201 sale and waits for its QR; the events are
// drained in the background.
func (r *rig) sale(amount int64) (*checkout.Sale, checkout.Event) {
	r.t.Helper()
	sale, err := r.eng.Start(context.Background(), checkout.Request{Amount: amount})
	if err != nil {
		r.t.Fatal(err)
	}
	qr := make(chan checkout.Event, 1)
	go func() {
		sent := false
		for ev := range sale.Events() {
			if ev.QRCode != "" && !sent {
				qr <- ev
				sent = true
			}
		}
	}()
	r.t.Cleanup(func() {
		sale.Cancel()
		<-sale.Done()
	})
	select {
	case ev := <-qr:
		return sale, ev
	case <-time.After(20 * time.Second):
		r.t.Fatal("no QR shown")
	}
	return nil, checkout.Event{}
}

func waitFinal(t *testing.T, sale *checkout.Sale, within time.Duration) checkout.Event {
	t.Helper()
	select {
	case <-sale.Done():
		return sale.Wait()
	case <-time.After(within):
		t.Fatalf("sale did not end within %s", within)
	}
	return checkout.Event{}
}

func (r *rig) order(no string) *store.Order {
	r.t.Helper()
	o, err := r.st.Get(no)
	if err != nil {
		r.t.Fatal(err)
	}
	return o
}

// attemptsOf lists the JSAPI attempts stored for parent, oldest first.
func (r *rig) attemptsOf(parent string) []*store.Order {
	r.t.Helper()
	all, _, err := r.st.List(store.ListQuery{Limit: 1000})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []*store.Order
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Parent == parent {
			out = append(out, all[i])
		}
	}
	return out
}

// notes are the JSAPI notes in an order's history.
func (r *rig) notes(no string) []string {
	var out []string
	for _, h := range r.order(no).History {
		if strings.HasPrefix(h.Cause, "wechat jsapi: ") {
			out = append(out, h.Cause)
		}
	}
	return out
}

// phone is a browser: a cookie jar, a User-Agent, and the URLs of the
// last redirect chain.
type phone struct {
	t   *testing.T
	hc  *http.Client
	ua  string
	mu  sync.Mutex
	via []string
}

func newPhone(t *testing.T, ua string) *phone {
	jar, _ := cookiejar.New(nil)
	p := &phone{t: t, ua: ua}
	p.hc = &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			p.mu.Lock()
			p.via = append(p.via, req.URL.String())
			p.mu.Unlock()
			if len(via) > 10 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	return p
}

// visited returns the redirect targets of the last request.
func (p *phone) visited() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.via...)
}

// do sends a request following redirects and returns the last response
// with its body.
func (p *phone) do(method, u string, form url.Values) (*http.Response, string) {
	p.t.Helper()
	p.mu.Lock()
	p.via = nil
	p.mu.Unlock()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("User-Agent", p.ua)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp, string(b)
}

func (p *phone) get(u string) (*http.Response, string) { return p.do("GET", u, nil) }

// formAction is the action of the sandbox /q/direct page's form.
var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// pressOnDirect presses a button (pay or decline) of the sandbox's
// /q/direct page the phone is on, as a phone would: POST its form.
func (p *phone) pressOnDirect(resp *http.Response, body, button string) (*http.Response, string) {
	p.t.Helper()
	if resp.Request.URL.Path != "/q/direct" {
		p.t.Fatalf("not on /q/direct but %s (HTTP %d): %s", resp.Request.URL, resp.StatusCode, body)
	}
	m := formAction.FindStringSubmatch(body)
	if m == nil {
		p.t.Fatalf("no form on /q/direct: %s", body)
	}
	action, err := resp.Request.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		p.t.Fatal(err)
	}
	return p.do("POST", action.String(), url.Values{"action": {button}})
}

// callbackVisited is the callback URL (with its code) of the last chain.
func (p *phone) callbackVisited() string {
	p.t.Helper()
	for _, u := range p.visited() {
		if strings.Contains(u, "/callback") {
			return u
		}
	}
	p.t.Fatalf("no callback in %v", p.visited())
	return ""
}

// decodeQR decodes the QR of a page's inline PNG.
func decodeQR(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`<img src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no inline QR image in the page: %s", body)
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// The page's QR is a generated, unrotated image: read it as such (the
	// detector for photos misjudges some of them, "dimension = 31").
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

// mustContain fails unless body has every one of want.
func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, body)
		}
	}
}

// clearPage checks a failure page: text, English and Chinese, a status
// that is not 500, no stack trace, no key.
func clearPage(t *testing.T, resp *http.Response, body string, want ...string) {
	t.Helper()
	if resp.StatusCode == http.StatusInternalServerError || resp.StatusCode < 200 {
		t.Errorf("HTTP %d", resp.StatusCode)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<h1") {
		t.Errorf("not a page: %s %s", resp.Header.Get("Content-Type"), body)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:", sandbox.DefaultClientKey} {
		if strings.Contains(body, bad) {
			t.Errorf("page shows %q", bad)
		}
	}
	mustContain(t, "page", body, want...)
}

// oauthSecret is the secret of the merchant's OAuth page in mode own.
const oauthSecret = "test-oauth-secret-0123456789abcdef"
