package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
)

const wechatUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"

// syncBuffer is a buffer a running command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs qfpos in the background; wait returns its exit code.
func start(ctx context.Context, env map[string]string, args ...string) (stdout, stderr *syncBuffer, wait func() int) {
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, args, cli.Env{Stdout: stdout, Stderr: stderr,
			LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	}()
	return stdout, stderr, func() int {
		select {
		case code := <-done:
			return code
		case <-time.After(60 * time.Second):
			panic("qfpos did not end")
		}
	}
}

// waitFor waits until re matches what w has written.
func waitFor(t *testing.T, w *syncBuffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(w.String()); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never appeared in:\n%s", re, w.String())
	return nil
}

// TestPayJSAPIInSandbox runs `qfpos pay 12.50 --jsapi --json` in sandbox
// mode and pays it as a phone in WeChat would: the QR's page, the
// sandbox's OAuth, /q/direct's Pay button, the result page.
func TestPayJSAPIInSandbox(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	env := map[string]string{
		"QFPOS_DB":           filepath.Join(dir, "orders.db"),
		"QFPOS_JSAPI_LISTEN": "127.0.0.1:0",
		"QFPOS_TIMEZONE":     "Asia/Hong_Kong",
	}
	stdout, stderr, wait := start(context.Background(), env, "pay", "12.50", "--jsapi", "--json", "--goods", "Tea")
	m := waitFor(t, stderr, regexp.MustCompile(`(http://127\.0\.0\.1:\d+/jsapi/(\w+))\n`))
	page, order := m[1], m[2]

	jar, _ := cookiejar.New(nil)
	phone := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	get := func(method, u string, form url.Values) (*http.Response, string) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		req.Header.Set("User-Agent", wechatUA)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := phone.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("GET", page, nil)
	if resp.Request.URL.Path != "/q/direct" {
		t.Fatalf("the page led to %s (HTTP %d): %s", resp.Request.URL, resp.StatusCode, body)
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(body)
	if action == nil {
		t.Fatalf("no form on /q/direct: %s", body)
	}
	target, _ := resp.Request.URL.Parse(html.UnescapeString(action[1]))
	resp, body = get("POST", target.String(), url.Values{"action": {"pay"}})
	if !strings.Contains(resp.Request.URL.Path, "/jsapi/"+order+"/result/") || !strings.Contains(body, "付款成功") {
		t.Fatalf("after paying: %s: %s", resp.Request.URL, body)
	}

	if code := wait(); code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	var res cli.PayResult
	out := strings.TrimSpace(stdout.String())
	if err := json.Unmarshal([]byte(out[strings.LastIndexByte(out, '\n')+1:]), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if res.Status != "paid" || res.OutTradeNo != order || res.PaidOutTradeNo == "" || res.PaidOutTradeNo == order || res.SysSN == "" || res.Txamt != 1250 {
		t.Errorf("result = %+v", res)
	}
	if !strings.Contains(stderr.String(), "Scan with WeChat to pay") {
		t.Errorf("stderr = %s", stderr.String())
	}
}

func TestJSAPINeedsAPublicURL(t *testing.T) {
	_, env := setup(t)
	r := qfpos(env, "pay", "10", "--jsapi")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "jsapi_public_url") {
		t.Errorf("pay --jsapi without a public URL: exit %d, %q", r.code, r.stderr)
	}
	r = qfpos(env, "jsapi", "--public-url", "http://pay.example.com")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "https") {
		t.Errorf("jsapi with http: exit %d, %q", r.code, r.stderr)
	}
	env["QFPOS_JSAPI_MODE"] = "own"
	r = qfpos(env, "jsapi", "--public-url", "https://pay.example.com")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "QFPOS_JSAPI_OAUTH_URL") {
		t.Errorf("mode own without an OAuth page: exit %d, %q", r.code, r.stderr)
	}
}

func TestJSAPIServesOnItsOwn(t *testing.T) {
	_, env := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr, wait := start(ctx, env, "jsapi", "--listen", "127.0.0.1:0", "--public-url", "https://pay.example.com/")
	m := waitFor(t, stdout, regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`))
	mustHave := func(u, want string, status int) {
		t.Helper()
		resp, err := http.Get("http://" + m[1] + u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status || !strings.Contains(string(b), want) {
			t.Errorf("%s: HTTP %d %s", u, resp.StatusCode, b)
		}
	}
	mustHave("/", "Scan the code at the counter", 200)
	mustHave("/jsapi/QFNOSUCHORDER", "Payment not found", 404)
	if !strings.Contains(stdout.String(), "https://pay.example.com/jsapi/ORDER") {
		t.Errorf("stdout = %s", stdout.String())
	}
	cancel()
	if code := wait(); code != cli.ExitOK {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// TestPayJSAPIPagesOutliveTheSale: the customer pays in WeChat, and the
// sale ends before their phone reaches the result page. `pay --jsapi`
// prints its result and keeps the pages up: the result page answers,
// paid, and the sale takes no new payment. Once the customer's page has
// shown the outcome, qfpos exits, long before the grace is over.
func TestPayJSAPIPagesOutliveTheSale(t *testing.T) {
	defer func(g time.Duration) { *cli.ResultGraceForTest = g }(*cli.ResultGraceForTest)
	*cli.ResultGraceForTest = 10 * time.Minute // only the result page can end it within the test
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	env := map[string]string{
		"QFPOS_DB":           filepath.Join(dir, "orders.db"),
		"QFPOS_JSAPI_LISTEN": "127.0.0.1:0",
		"QFPOS_TIMEZONE":     "Asia/Hong_Kong",
	}
	stdout, stderr, wait := start(context.Background(), env, "pay", "8.80", "--jsapi", "--json")
	m := waitFor(t, stderr, regexp.MustCompile(`(http://127\.0\.0\.1:\d+/jsapi/(\w+))\n`))
	page := m[1]

	jar, _ := cookiejar.New(nil)
	phone := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	get := func(c *http.Client, method, u string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		req.Header.Set("User-Agent", wechatUA)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get(phone, "GET", page, nil)
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(body)
	if resp.Request.URL.Path != "/q/direct" || action == nil {
		t.Fatalf("the page led to %s (HTTP %d): %s", resp.Request.URL, resp.StatusCode, body)
	}
	// Paid; the phone is slow to follow WeChat back to the result page.
	target, _ := resp.Request.URL.Parse(html.UnescapeString(action[1]))
	noFollow := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ = get(noFollow, "POST", target.String(), url.Values{"action": {"pay"}})
	result, err := resp.Location()
	if err != nil || !strings.Contains(result.Path, "/result/") {
		t.Fatalf("paying led to %v (HTTP %d)", result, resp.StatusCode)
	}
	// The sale ends paid and says so at once.
	waitFor(t, stdout, regexp.MustCompile(`"status":"paid"`))

	// The pages still answer: the sale takes no new payment...
	resp, body = get(phone, "GET", page, nil)
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, "This payment is closed") {
		t.Errorf("the sale's page after it ended: HTTP %d %s", resp.StatusCode, body)
	}
	// ...and the customer's result page says paid.
	resp, body = get(phone, "GET", result.String(), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "付款成功") {
		t.Errorf("result page after the sale ended: HTTP %d %s", resp.StatusCode, body)
	}
	if code := wait(); code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "keeping the WeChat pages up") {
		t.Errorf("stderr = %s", stderr.String())
	}
	if _, err := http.Get(page); err == nil {
		t.Error("the pages still answer after qfpos ended")
	}
}

// TestPayJSAPIPagesGrace: a WeChat payment begun and never looked at
// again keeps the pages up for the grace, then qfpos exits.
func TestPayJSAPIPagesGrace(t *testing.T) {
	defer func(g time.Duration) { *cli.ResultGraceForTest = g }(*cli.ResultGraceForTest)
	*cli.ResultGraceForTest = 300 * time.Millisecond
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	env := map[string]string{
		"QFPOS_DB":           filepath.Join(dir, "orders.db"),
		"QFPOS_JSAPI_LISTEN": "127.0.0.1:0",
		"QFPOS_TIMEZONE":     "Asia/Hong_Kong",
	}
	stdout, stderr, wait := start(context.Background(), env, "pay", "3.30", "--jsapi", "--json", "--timeout", "2s")
	m := waitFor(t, stderr, regexp.MustCompile(`(http://127\.0\.0\.1:\d+/jsapi/(\w+))\n`))
	req, _ := http.NewRequest("GET", m[1], nil)
	req.Header.Set("User-Agent", wechatUA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/q/direct" {
		t.Fatalf("the page led to %s", resp.Request.URL)
	}
	if code := wait(); code != cli.ExitFailed {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"status":"cancelled"`) || !strings.Contains(stderr.String(), "keeping the WeChat pages up for the customer's result (at most 300ms") {
		t.Errorf("stdout %s\nstderr %s", stdout.String(), stderr.String())
	}
}
