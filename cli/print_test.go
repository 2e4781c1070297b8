package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/escpos"
	"github.com/qfpos/qfpos/escpos/virtual"
)

// TestPrintCommand pays a sale, prints its receipt, a refund's and the
// day report on the virtual printer in Chinese, and checks a printer that
// is not there fails the print (exit 1, one line) and nothing else.
func TestPrintCommand(t *testing.T) {
	srv, env := setup(t)
	r := payAsync(t, srv, env, func(no string) { srv.Pay(no) }, "12.50", "--json", "--goods", "奶茶")
	if r.code != cli.ExitOK {
		t.Fatalf("paid sale: exit %d\n%s", r.code, r.stderr)
	}
	res := lastJSON(t, r.stdout)
	no := res["out_trade_no"].(string)
	p, err := virtual.Start(escpos.CodepageBig5, virtual.Normal)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	env["QFPOS_PRINTER"] = p.Target()
	env["QFPOS_LANGUAGE"] = "zh-Hant"
	env["QFPOS_PRINTER_PAPER"] = "58"

	if r := qfpos(env, "print", no); r.code != cli.ExitOK {
		t.Fatalf("print: exit %d %s", r.code, r.stderr)
	}
	job, err := p.Job(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	txt := virtual.Text(job.Items)
	for _, w := range []string{"收款", "奶茶", "HK$12.50", "[QR " + no + "]", "--- cut ---", res["syssn"].(string)} {
		if !strings.Contains(txt, w) {
			t.Errorf("receipt lacks %q:\n%s", w, txt)
		}
	}

	if r := qfpos(env, "refund", no, "2.50"); r.code != cli.ExitOK {
		t.Fatalf("refund: %d %s", r.code, r.stderr)
	}
	if r := qfpos(env, "print", "--report", "today", "--text"); r.code != cli.ExitOK || !strings.Contains(r.stdout, "日結報表") || !strings.Contains(r.stdout, "HK$10.00") {
		t.Errorf("report: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	env["QFPOS_PRINTER"] = "tcp://127.0.0.1:1"
	r = qfpos(env, "print", no)
	if r.code != cli.ExitFailed || !strings.Contains(r.stderr, "the receipt did not print: the printer cannot be reached") {
		t.Errorf("no printer: exit %d %q", r.code, r.stderr)
	}
	if r := qfpos(env, "print", "nosuchorder"); r.code != cli.ExitUsage {
		t.Errorf("unknown order: exit %d", r.code)
	}
}
