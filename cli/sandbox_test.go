package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/internal/testrig"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
)

// Credentials of the tests' own, for a standalone sandbox: a notification
// signed with the published default key is refused whatever the mode.
const (
	testAppCode   = "0123456789ABCDEF0123456789ABCDEF"
	testClientKey = "FEDCBA9876543210FEDCBA9876543210"
)

// setupKey is setup with a sandbox and a qfpos that share testAppCode and
// testClientKey instead of the published defaults.
func setupKey(t *testing.T) (*sandbox.Server, map[string]string) {
	t.Helper()
	_, env := setup(t)
	srv := testrig.Sandbox(t, sandbox.Config{AppCode: testAppCode, ClientKey: testClientKey})
	for k, v := range testrig.Env(srv, testAppCode, testClientKey, env["QFPOS_DB"]) {
		env[k] = v
	}
	return srv, env
}

// freeAddr is a free loopback port below the kernel's ephemeral range.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 200 {
		a := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(10000))
		if ln, err := net.Listen("tcp", a); err == nil {
			ln.Close()
			return a
		}
	}
	t.Fatal("no free port")
	return ""
}

// waitListening waits (up to 20 s on a busy machine) until the
// notification listener of a qfpos pay accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("notification listener on %s never answered", addr)
		}
	}
}

// postNotification posts body signed with key and returns the HTTP
// status, or 0 when no answer came (the sale it paid may have ended and
// closed the listener first).
func postNotification(t *testing.T, addr string, body []byte, key string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/qfpay/notify", bytes.NewReader(body))
	req.Header.Set("X-QF-SIGN", payment.BodySignature(body, key))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("notification: %v", err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// In sandbox mode the in-app sandbox and its client use random
// credentials, and the notification listener refuses the published key.
func TestSandboxModeRefusesThePublishedKey(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	addr := freeAddr(t)
	env := map[string]string{"QFPOS_DB": filepath.Join(dir, "o.db"), "QFPOS_NOTIFY_LISTEN": addr}
	cfg, err := config.Load(config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil || !cfg.Sandbox() {
		t.Fatalf("config: %v, sandbox %v", err, cfg != nil && cfg.Sandbox())
	}
	a, err := cli.Connect(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Sandbox.AppCode() == sandbox.DefaultAppCode || a.Sandbox.AppCode() == "" {
		t.Errorf("in-app sandbox app code %q, want a random one", a.Sandbox.AppCode())
	}
	if _, err := a.Client.VerifyNotification([]byte("{}"), payment.BodySignature([]byte("{}"), sandbox.DefaultClientKey)); err == nil {
		t.Errorf("the in-app client takes the published key")
	}
	if _, err := a.Engine(); err != nil {
		t.Fatal(err)
	}
	// Before: the in-app client used the published key, so this was
	// accepted (and answered SUCCESS, the order being none of ours).
	body := []byte(`{"notify_type": "payment", "pay_type": "800201", "syssn": "20260314000100020000000001", "out_trade_no": "X1", "txamt": "700", "txcurrcd": "HKD", "respcd": "0000", "cancel": "0"}`)
	if got := postNotification(t, addr, body, sandbox.DefaultClientKey); got != http.StatusUnauthorized {
		t.Errorf("notification signed with the published key: HTTP %d, want 401", got)
	}
}

// A live-mode listener refuses the published key too, and takes the
// client's own.
func TestNotificationWithThePublishedKeyIsRefused(t *testing.T) {
	srv, env := setupKey(t)
	addr := freeAddr(t)
	env["QFPOS_NOTIFY_LISTEN"] = addr
	r := payAsync(t, srv, env, func(no string) {
		v, _ := srv.Order(no)
		body := []byte(`{"notify_type": "payment", "pay_type": "800201", "syssn": "` + v.SysSN + `", "out_trade_no": "` + no + `", "txamt": "700", "txcurrcd": "HKD", "respcd": "0000", "cancel": "0"}`)
		waitListening(t, addr)
		if got := postNotification(t, addr, body, sandbox.DefaultClientKey); got != http.StatusUnauthorized {
			t.Errorf("published key: HTTP %d, want 401", got)
		}
		// With the client's key it pays the sale (checked below); the
		// answer may be cut short by the sale ending.
		if got := postNotification(t, addr, body, testClientKey); got != http.StatusOK && got != 0 {
			t.Errorf("client's key: HTTP %d, want 200", got)
		}
	}, "7", "--json")
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, `"paid"`) {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if v := srv.Orders()[0]; v.State != sandbox.StatePending {
		t.Errorf("sandbox order %s, want pending: only the notification may have paid the sale", v.State)
	}
}

// qfpos sandbox on all interfaces is public: random credentials, the key
// not printed, and a control API that wants the token it prints. Only
// loopback is ever sent to.
func TestSandboxCommandOnTheLAN(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	out := startSandboxCmd(t, "0.0.0.0:0")
	text := out.String()
	base := regexp.MustCompile(`QFPAY_BASE_URL=(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(text)
	tok := regexp.MustCompile(`control API token: (\S+)`).FindStringSubmatch(text)
	app := regexp.MustCompile(`QFPAY_APP_CODE=(\S+)`).FindStringSubmatch(text)
	if base == nil || tok == nil || app == nil {
		t.Fatalf("banner:\n%s", text)
	}
	if app[1] == sandbox.DefaultAppCode || strings.Contains(text, "QFPAY_CLIENT_KEY=") || strings.Contains(text, sandbox.DefaultClientKey) {
		t.Errorf("public sandbox banner shows the default app code or a key:\n%s", text)
	}
	get := func(auth string) int {
		req, _ := http.NewRequest("GET", base[1]+"/sandbox/control/orders", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + tok[1] + "x"} {
		if got := get(auth); got != http.StatusUnauthorized {
			t.Errorf("control API with %q: HTTP %d, want 401", auth, got)
		}
	}
	if got := get("Bearer " + tok[1]); got != http.StatusOK {
		t.Errorf("control API with the token: HTTP %d", got)
	}
}

// qfpos sandbox's banner pastes into a shell: its settings are export
// lines, the rest comments.
func TestSandboxBannerPastesIntoAShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	out := startSandboxCmd(t, "127.0.0.1:0")
	cmd := exec.Command(sh, "-c", out.String()+"\nprintf '%s|%s|%s' \"$QFPAY_BASE_URL\" \"$QFPAY_APP_CODE\" \"$QFPAY_CLIENT_KEY\"")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the banner does not run in sh: %v\n%s\nbanner:\n%s", err, got, out.String())
	}
	vals := strings.Split(string(got), "|")
	if len(vals) != 3 || !strings.HasPrefix(vals[0], "http://127.0.0.1:") || vals[1] != sandbox.DefaultAppCode || vals[2] != sandbox.DefaultClientKey {
		t.Errorf("pasted banner set %q\nbanner:\n%s", got, out.String())
	}
}

// startSandboxCmd runs `qfpos sandbox --listen listen` with an empty
// environment until the test ends, and returns its stdout once the
// banner is out.
func startSandboxCmd(t *testing.T, listen string) *syncBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, _, wait := start(ctx, nil, "sandbox", "--listen", listen)
	t.Cleanup(func() {
		cancel()
		wait()
	})
	waitFor(t, out, regexp.MustCompile(`Ctrl-C`))
	return out
}
