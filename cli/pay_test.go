package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/payment/sandbox"
)

// jsonLines splits `qfpos pay --json` output into its objects, failing
// on a line that is not one.
func jsonLines(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v\nall:\n%s", sc.Text(), err, stdout)
		}
		out = append(out, m)
	}
	return out
}

// lastJSON is the result line of `qfpos pay --json`.
func lastJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	lines := jsonLines(t, stdout)
	if len(lines) == 0 {
		t.Fatalf("no JSON on stdout")
	}
	res := lines[len(lines)-1]
	if res["event"] != "result" {
		t.Fatalf("the last line is not the result: %v", res)
	}
	return res
}

// decodeQRPNG reads the QR code in a PNG file.
func decodeQRPNG(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR in %s: %v", path, err)
	}
	return res.GetText()
}

// A kiosk that draws its own screen gets the QR while the sale is still
// waiting for the customer, as a line and as a PNG, and the result last.
func TestPayJSONStreamsTheQRFirst(t *testing.T) {
	srv, env := setup(t)
	pngPath := filepath.Join(t.TempDir(), "qr.png")
	stdout, stderr, wait := start(context.Background(), env, "pay", "12.50", "--json", "-q", "--qr-png", pngPath)
	m := waitFor(t, stdout, regexp.MustCompile(`(?m)^(\{"event":"qr".*\})\n`))
	var qr struct {
		OutTradeNo string    `json:"out_trade_no"`
		QRCode     string    `json:"qrcode"`
		Amount     string    `json:"amount"`
		ExpiresAt  time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(m[1]), &qr); err != nil {
		t.Fatal(err)
	}
	if qr.QRCode == "" || qr.OutTradeNo == "" || qr.ExpiresAt.IsZero() || qr.Amount != "12.50" {
		t.Fatalf("qr line = %s", m[1])
	}
	// The sale is still waiting: nothing paid, no result yet.
	if v, ok := srv.Order(qr.OutTradeNo); !ok || v.State != sandbox.StatePending {
		t.Fatalf("sandbox order %+v while the qr line is out", v)
	}
	if strings.Contains(stdout.String(), `"event":"result"`) {
		t.Fatalf("result before payment:\n%s", stdout.String())
	}
	if got := decodeQRPNG(t, pngPath); got != qr.QRCode {
		t.Errorf("--qr-png holds %q, want the qr line's %q", got, qr.QRCode)
	}
	if err := srv.Pay(qr.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	if code := wait(); code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	lines := jsonLines(t, stdout.String())
	for _, l := range lines {
		if l["event"] == "qr" {
			break
		}
		if l["event"] != "creating" {
			t.Errorf("%v came before the qr line", l)
		}
	}
	res := lastJSON(t, stdout.String())
	if res["status"] != "paid" || res["out_trade_no"] != qr.OutTradeNo || res["qrcode"] != qr.QRCode || res["txamt"] != float64(1250) {
		t.Errorf("result = %v", res)
	}
	for _, l := range lines[:len(lines)-1] {
		switch l["event"] {
		case "qr", "creating", "waiting", "checking", "trouble":
		default:
			t.Errorf("unexpected event line %v", l)
		}
	}
	if strings.Contains(stderr.String(), "█") {
		t.Errorf("-q drew the QR on stderr")
	}
}

// --qr-png into a folder that does not exist is bad input: nothing is sent.
func TestPayQRPNGFolderMissing(t *testing.T) {
	srv, env := setup(t)
	r := qfpos(env, "pay", "5", "--qr-png", filepath.Join(t.TempDir(), "no", "qr.png"))
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--qr-png") || len(srv.Orders()) != 0 {
		t.Errorf("exit %d, %d orders: %s", r.code, len(srv.Orders()), r.stderr)
	}
}

// A negative amount is said to be one, not taken for a flag.
func TestPayNegativeAmount(t *testing.T) {
	srv, env := setup(t)
	for _, args := range [][]string{{"pay", "-1"}, {"pay", "-12.50", "--json"}, {"pay", "--json", "-.5"}, {"refund", "QF1", "-5"}} {
		r := qfpos(env, args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != cli.ExitUsage || len(lines) != 1 || !strings.Contains(lines[0], "is negative") || strings.Contains(r.stderr, "shorthand") {
			t.Errorf("%v: exit %d, stderr %q; want one line saying the amount is negative", args, r.code, r.stderr)
		}
	}
	if r := qfpos(env, "pay", "5", "-x"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "unknown shorthand flag") {
		t.Errorf("a real unknown flag: exit %d %q", r.code, r.stderr)
	}
	if n := len(srv.Orders()); n != 0 {
		t.Errorf("sandbox got %d orders", n)
	}
}
