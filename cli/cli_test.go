package cli_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/internal/testrig"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

type run struct {
	code           int
	stdout, stderr string
}

// qfpos runs the command line in-process with env as the whole environment.
func qfpos(env map[string]string, args ...string) run {
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Env{
		Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	return run{code, out.String(), errb.String()}
}

// setup points qfpos at a standalone sandbox, as a kiosk integrator would.
func setup(t *testing.T) (*sandbox.Server, map[string]string) {
	t.Helper()
	srv := testrig.Sandbox(t, sandbox.Config{}) // in QFPay's zone, as the real one
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	env := testrig.Env(srv, sandbox.DefaultAppCode, sandbox.DefaultClientKey, filepath.Join(dir, "orders.db"))
	env["QFPOS_TIMEZONE"] = "Asia/Hong_Kong"
	return srv, env
}

func TestBadInputSendsAndStoresNothing(t *testing.T) {
	srv, env := setup(t)
	for _, amount := range []string{"-5", "0", "0.00", "12.345", "abc", "1e3", "99999999999999", "", "12,50"} {
		r := qfpos(env, "pay", "--", amount)
		if r.code != cli.ExitUsage {
			t.Errorf("pay %q: exit %d, want 2 (%s)", amount, r.code, r.stderr)
		}
		if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "qfpos: amount") {
			t.Errorf("pay %q: stderr %q, want one clear line", amount, r.stderr)
		}
	}
	for _, args := range [][]string{{"pay", "10", "--expire", "1m"}, {"pay", "10", "--currency", "XXX"}, {"pay"}, {"pay", "1", "2"}, {"pay", "5", "--bogus"}} {
		if r := qfpos(env, args...); r.code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
	jpy := map[string]string{}
	for k, v := range env {
		jpy[k] = v
	}
	jpy["QFPOS_CURRENCY"] = "JPY"
	if r := qfpos(jpy, "pay", "500.5"); r.code != cli.ExitUsage {
		t.Errorf("JPY 500.5: exit %d", r.code)
	}
	if n := len(srv.Orders()); n != 0 {
		t.Errorf("sandbox got %d orders", n)
	}
	if _, err := os.Stat(env["QFPOS_DB"]); !os.IsNotExist(err) {
		t.Errorf("order file created by bad input: %v", err)
	}
	// A bad setting: one line naming it, exit 2.
	bad := map[string]string{"QFPAY_APP_CODE": "A", "QFPAY_CLIENT_KEY": "K", "QFPAY_BASE_URL": "http://example.com"}
	r := qfpos(bad, "pay", "10")
	if r.code != cli.ExitUsage || !strings.HasPrefix(r.stderr, "qfpos: QFPAY_BASE_URL") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("bad base URL: exit %d, %q", r.code, r.stderr)
	}
}

// payAsync runs `qfpos pay` and lets do act on the order once QFPay has it.
func payAsync(t *testing.T, srv *sandbox.Server, env map[string]string, do func(outTradeNo string), args ...string) run {
	t.Helper()
	before := len(srv.Orders())
	done := make(chan run, 1)
	go func() { done <- qfpos(env, append([]string{"pay"}, args...)...) }()
	deadline := time.After(20 * time.Second)
	for {
		if os := srv.Orders(); len(os) > before {
			do(os[len(os)-1].OutTradeNo)
			break
		}
		select {
		case r := <-done:
			t.Fatalf("pay ended before creating an order: %+v", r)
		case <-deadline:
			t.Fatal("no order created")
		case <-time.After(10 * time.Millisecond):
		}
	}
	select {
	case r := <-done:
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("pay did not end")
	}
	return run{}
}

func TestPayJSONAndTheOtherCommands(t *testing.T) {
	srv, env := setup(t)
	r := payAsync(t, srv, env, func(no string) { srv.Pay(no) }, "12.50", "--json", "--goods", "Milk tea")
	if r.code != cli.ExitOK {
		t.Fatalf("paid sale: exit %d\n%s", r.code, r.stderr)
	}
	res := lastJSON(t, r.stdout)
	for _, k := range []string{"out_trade_no", "syssn", "status", "txamt", "currency", "amount", "respcd", "qrcode", "created_at", "finished_at"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, r.stdout)
		}
	}
	if res["status"] != "paid" || res["txamt"] != float64(1250) || res["amount"] != "12.50" || res["currency"] != "HKD" || res["respcd"] != "0000" {
		t.Errorf("JSON = %s", r.stdout)
	}
	no := res["out_trade_no"].(string)
	if v, _ := srv.Order(no); v.State != sandbox.StatePaid || res["qrcode"] == "" || res["syssn"] != v.SysSN {
		t.Errorf("sandbox order %+v vs %s", v, r.stdout)
	}
	if !strings.Contains(r.stderr, "Scan with WeChat to pay HK$12.50") || !strings.Contains(r.stderr, "█") {
		t.Errorf("no QR drawn on stderr:\n%s", r.stderr)
	}

	// Declined → exit 1; timeout → cancelled, exit 1.
	if r := payAsync(t, srv, env, func(no string) { srv.Decline(no) }, "3", "--json"); r.code != cli.ExitFailed || !strings.Contains(r.stdout, `"failed"`) {
		t.Errorf("declined: exit %d %s", r.code, r.stdout)
	}
	r = payAsync(t, srv, env, func(string) {}, "4", "--json", "--timeout", "300ms")
	if r.code != cli.ExitFailed || !strings.Contains(r.stdout, `"cancelled"`) {
		t.Errorf("timeout: exit %d %s", r.code, r.stdout)
	}

	// orders, report, export, refund, reconcile.
	r = qfpos(env, "orders", "--json")
	var orders []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &orders); err != nil || len(orders) != 3 {
		t.Fatalf("orders --json: %v %s", err, r.stdout)
	}
	if r := qfpos(env, "orders", "--state", "paid"); !strings.Contains(r.stdout, no) || strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("orders --state paid:\n%s", r.stdout)
	}
	if r := qfpos(env, "orders", "--state", "happy"); r.code != cli.ExitUsage {
		t.Errorf("bad --state: exit %d", r.code)
	}
	if r := qfpos(env, "refund", no, "2.50"); r.code != cli.ExitOK || !strings.Contains(r.stdout, "HK$2.50") {
		t.Errorf("partial refund: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "refund", no, "20"); r.code != cli.ExitUsage {
		t.Errorf("over-refund: exit %d %s", r.code, r.stderr)
	}
	if r := qfpos(env, "refund", no); r.code != cli.ExitOK || !strings.Contains(r.stdout, "HK$10.00") {
		t.Errorf("refund of the rest: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = qfpos(env, "report", "--json")
	var rep struct {
		Totals []store.Total `json:"totals"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report --json: %v %s", err, r.stdout)
	}
	for _, tot := range rep.Totals {
		if tot.State == store.StatePaid && (tot.Amount != 1250 || tot.Refunded != 1250 || tot.Count != 1) {
			t.Errorf("paid total = %+v", tot)
		}
	}
	csvPath := filepath.Join(t.TempDir(), "day.csv")
	if r := qfpos(env, "export", "--csv", csvPath); r.code != cli.ExitOK {
		t.Fatalf("export: %d %s", r.code, r.stderr)
	}
	f, _ := os.Open(csvPath)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 4 {
		t.Errorf("CSV: %v, %d rows", err, len(rows))
	}
	if r := qfpos(env, "reconcile"); r.code != cli.ExitOK || !strings.Contains(r.stdout, "0 mismatches") {
		t.Errorf("reconcile: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestSandboxModeIsSaidPlainly(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	env := map[string]string{"QFPOS_DB": filepath.Join(dir, "o.db")}
	for _, args := range [][]string{{"orders"}, {"report"}, {"pay", "0"}} {
		if r := qfpos(env, args...); !strings.Contains(r.stderr, "SANDBOX mode") {
			t.Errorf("%v does not say sandbox mode: %q", args, r.stderr)
		}
	}
}

func TestNotificationSettlesAPay(t *testing.T) {
	srv, env := setupKey(t) // the published key is refused: see TestNotificationWithThePublishedKeyIsRefused
	// A free port below the kernel's ephemeral range, so that no other
	// test's ":0" listener can take it between here and qfpos binding it.
	var addr string
	for i := 0; addr == "" && i < 200; i++ {
		a := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(10000))
		if ln, err := net.Listen("tcp", a); err == nil {
			ln.Close()
			addr = a
		}
	}
	if addr == "" {
		t.Fatal("no free port")
	}
	env["QFPOS_NOTIFY_LISTEN"] = addr
	r := payAsync(t, srv, env, func(no string) {
		v, _ := srv.Order(no)
		body := []byte(`{"notify_type": "payment", "pay_type": "800201", "syssn": "` + v.SysSN + `", "out_trade_no": "` + no + `", "txamt": "700", "txcurrcd": "HKD", "respcd": "0000", "cancel": "0"}`)
		waitListening(t, addr)
		// The notification pays the sale, which then ends and shuts the
		// listener down, but only after the answer went out.
		if got := postNotification(t, addr, body, testClientKey); got != http.StatusOK {
			t.Errorf("notification: HTTP %d", got)
		}
	}, "7", "--json")
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, `"paid"`) {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}
