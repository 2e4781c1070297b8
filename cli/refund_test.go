package cli_test

import (
	"strings"
	"testing"

	"github.com/qfpos/qfpos/cli"
)

// Refund errors are plain sentences that name what is left.
func TestRefundErrorsArePlain(t *testing.T) {
	srv, env := setup(t)
	paid := lastJSON(t, payAsync(t, srv, env, func(no string) { srv.Pay(no) }, "12.50", "--json", "-q").stdout)["out_trade_no"].(string)
	declined := lastJSON(t, payAsync(t, srv, env, func(no string) { srv.Decline(no) }, "3", "--json", "-q").stdout)["out_trade_no"].(string)
	if r := qfpos(env, "refund", paid, "5"); r.code != cli.ExitOK {
		t.Fatalf("refund 5: exit %d %s", r.code, r.stderr)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"refund", paid, "20.00"}, "qfpos: cannot refund HK$20.00: only HK$7.50 of order " + paid + "'s HK$12.50 is left to refund"},
		{[]string{"refund", "QF404", "1"}, "qfpos: there is no order QF404 in "},
		{[]string{"refund", declined}, "qfpos: order " + declined + " cannot be refunded: it is failed, and only a paid order can be"},
		{[]string{"refund", paid, "1.234"}, "qfpos: amount \"1.234\": too many decimals"},
	}
	for _, tt := range tests {
		r := qfpos(env, tt.args...)
		if r.code != cli.ExitUsage || !strings.HasPrefix(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "store:") {
			t.Errorf("%v: exit %d, stderr %q; want one line starting %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	if r := qfpos(env, "refund", paid); r.code != cli.ExitOK || !strings.Contains(r.stdout, "HK$7.50") {
		t.Fatalf("refund of the rest: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	want := "qfpos: nothing is left to refund on order " + paid + ": all of its HK$12.50 is refunded or being refunded\n"
	if r := qfpos(env, "refund", paid, "1"); r.code != cli.ExitUsage || r.stderr != want {
		t.Errorf("refund when nothing is left: exit %d %q; want %q", r.code, r.stderr, want)
	}
}

// Counts in CLI output agree with their number: "1 order", "2 orders".
func TestPlurals(t *testing.T) {
	srv, env := setup(t)
	payAsync(t, srv, env, func(no string) { srv.Pay(no) }, "5", "--json", "-q")
	if r := qfpos(env, "orders"); !strings.HasPrefix(r.stderr, "1 order from ") {
		t.Errorf("orders with one sale: %q", r.stderr)
	}
	if r := qfpos(env, "reconcile"); !strings.Contains(r.stdout, "recover: 0 unfinished orders checked") || !strings.Contains(r.stdout, ": 0 mismatches with QFPay") {
		t.Errorf("reconcile:\n%s", r.stdout)
	}
	payAsync(t, srv, env, func(no string) { srv.Pay(no) }, "6", "--json", "-q")
	if r := qfpos(env, "orders"); !strings.HasPrefix(r.stderr, "2 orders from ") {
		t.Errorf("orders with two sales: %q", r.stderr)
	}
}
