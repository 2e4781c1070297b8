package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
)

// TestCommandsGoThroughTheRunningQfpos: while `qfpos serve` owns the
// order file, pay, orders, report, export, refund and reconcile work
// through its API instead of failing with "in use by another qfpos".
func TestCommandsGoThroughTheRunningQfpos(t *testing.T) {
	srv, env := setup(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	_, serveErr, serveWait := start(ctx, env, "serve")
	waitFor(t, serveErr, regexp.MustCompile(`qfpos: serving`))
	if !strings.Contains(serveErr.String(), "bearer token in ") {
		t.Fatalf("serve does not say where the token is:\n%s", serveErr)
	}

	png := filepath.Join(t.TempDir(), "qr.png")
	payOut, payErr, payWait := start(context.Background(), env, "pay", "2.00", "--json", "--qr-png", png)
	m := waitFor(t, payErr, regexp.MustCompile(`sale (\S+) on the running qfpos`))
	no := m[1]
	// Through the running qfpos too, --json streams: the qr line (and the
	// PNG) come while the sale waits, before it is paid.
	waitFor(t, payOut, regexp.MustCompile(`"event":"qr"`))
	if _, err := os.Stat(png); err != nil {
		t.Errorf("--qr-png: %v", err)
	}
	if err := srv.Pay(no); err != nil {
		t.Fatal(err)
	}
	if code := payWait(); code != cli.ExitOK {
		t.Fatalf("pay: exit %d\n%s", code, payErr)
	}
	lines := strings.Split(strings.TrimSpace(payOut.String()), "\n")
	var first struct{ Event, QRCode string }
	json.Unmarshal([]byte(lines[0]), &first)
	var res cli.PayResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || res.Event != "result" || res.Status != "paid" || res.OutTradeNo != no || res.QRCode == "" {
		t.Fatalf("pay --json: %+v %v\n%s", res, err, payOut)
	}
	if first.Event != "qr" && !strings.Contains(payOut.String(), `"event":"qr"`) {
		t.Errorf("no qr line:\n%s", payOut)
	}

	if r := qfpos(env, "orders", "--json"); r.code != 0 || !strings.Contains(r.stdout, no) {
		t.Fatalf("orders --json: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "orders"); r.code != 0 || !strings.Contains(r.stdout, no) {
		t.Fatalf("orders: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "report"); r.code != 0 || !strings.Contains(r.stdout, "paid") {
		t.Fatalf("report: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "export", "--csv", "-"); r.code != 0 || !strings.Contains(r.stdout, no) {
		t.Fatalf("export: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "refund", no, "0.50"); r.code != 0 || !strings.Contains(r.stdout, " done ") {
		t.Fatalf("refund: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "refund", no, "9.00"); r.code != cli.ExitUsage {
		t.Fatalf("refund too much: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "refund", "NOSUCHORDER"); r.code != cli.ExitUsage {
		t.Fatalf("refund of no order: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := qfpos(env, "reconcile"); r.code != 0 || !strings.Contains(r.stdout, "0 mismatches") {
		t.Fatalf("reconcile: %d %s %s", r.code, r.stdout, r.stderr)
	}
	// A second owner is refused.
	if r := qfpos(env, "serve"); r.code != cli.ExitBusy {
		t.Fatalf("a second serve: exit %d, want 4: %s", r.code, r.stderr)
	}
	stop()
	done := make(chan int, 1)
	go func() { done <- serveWait() }()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve: exit %d\n%s", code, serveErr)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
	// Stopped, the commands open the file themselves again.
	if r := qfpos(env, "orders", "--json"); r.code != 0 || !strings.Contains(r.stdout, no) {
		t.Fatalf("orders after serve: %d %s", r.code, r.stderr)
	}
}

// TestOrderFileHeldIsExit4: with a qfpos holding the order file and
// serving no API, every command says so with the same exit code, 4.
func TestOrderFileHeldIsExit4(t *testing.T) {
	_, env := setup(t)
	env["QFPOS_API_LISTEN"] = "off"
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	_, payErr, wait := start(ctx, env, "pay", "1.00")
	waitFor(t, payErr, regexp.MustCompile(`Scan with WeChat`))
	for _, args := range [][]string{{"orders"}, {"report"}, {"export", "--csv", "-"}, {"pay", "2.00"}, {"refund", "X"}, {"reconcile"}} {
		if r := qfpos(env, args...); r.code != cli.ExitBusy || !strings.Contains(r.stderr, "in use by another qfpos") {
			t.Errorf("%v: exit %d, want 4: %s", args, r.code, r.stderr)
		}
	}
	stop()
	wait()
}
