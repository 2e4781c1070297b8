package cli_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/payment"
)

// TestReconcileWhateverTheZones runs a sale and `reconcile` against a
// standalone sandbox under machine zones (TZ) and merchant zones
// (QFPOS_TIMEZONE) on both sides of QFPay's UTC+8, each in a child test
// process so that the machine's zone is really the process's. The two
// synthetic zones a whole day ahead of and behind QFPay's make the
// merchant's day and the machine's day differ at any hour: a sandbox that
// stamped sysdtm in the machine's zone, or a client that sent times in the
// merchant's, would find "paid here, no record at QFPay" at every hour, not
// only between 16:00 and 24:00 UTC.
func TestReconcileWhateverTheZones(t *testing.T) {
	if os.Getenv("QFPOS_ZONE_CHILD") == "1" {
		t.Skip("the child runs reconcileInZone only")
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, c := range []struct{ tz, merchant string }{
		{"UTC", "Asia/Hong_Kong"},
		{"America/Los_Angeles", "Asia/Hong_Kong"},
		{"Pacific/Kiritimati", "America/Los_Angeles"},
		{"<+32>-32", "Asia/Hong_Kong"}, // a day ahead of QFPay
		{"<-16>16", "Asia/Hong_Kong"},  // a day behind QFPay
		{"<+32>-32", "America/Los_Angeles"},
		{"<-16>16", "Pacific/Kiritimati"},
	} {
		tz, mz := c.tz, c.merchant
		{
			t.Run(tz+"/"+mz, func(t *testing.T) {
				cmd := exec.Command(os.Args[0], "-test.run", "^TestReconcileInZone$", "-test.v")
				cmd.Env = append(os.Environ(), "TZ="+tz, "QFPOS_ZONE_CHILD=1", "QFPOS_ZONE_MERCHANT="+mz)
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), "--- PASS: TestReconcileInZone") {
					t.Errorf("TZ=%s merchant %s: %v\n%s", tz, mz, err, out)
				}
			})
		}
	}
}

// TestReconcileInZone is the child of TestReconcileWhateverTheZones.
func TestReconcileInZone(t *testing.T) {
	if os.Getenv("QFPOS_ZONE_CHILD") != "1" {
		t.Skip("run by TestReconcileWhateverTheZones with TZ set")
	}
	srv, env := setup(t)
	env["QFPOS_TIMEZONE"] = os.Getenv("QFPOS_ZONE_MERCHANT")
	r := payAsync(t, srv, env, func(no string) { srv.Pay(no) }, "12.50", "--json")
	if r.code != cli.ExitOK {
		t.Fatalf("pay: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	orders := srv.Orders()
	if len(orders) != 1 {
		t.Fatalf("sandbox has %d orders", len(orders))
	}
	// sysdtm is QFPay's (UTC+8) time of the order, whatever TZ is.
	qfpayTime := time.FixedZone("UTC+8", 8*60*60)
	o := orders[0]
	sys, err := time.ParseInLocation(payment.TimeLayout, o.SysDtm, qfpayTime)
	if err != nil || time.Since(sys).Abs() > time.Minute {
		t.Errorf("sysdtm %q is not now in UTC+8 (now there: %s)", o.SysDtm, time.Now().In(qfpayTime).Format(payment.TimeLayout))
	}
	if r := qfpos(env, "reconcile"); r.code != cli.ExitOK || !strings.Contains(r.stdout, "0 mismatches") {
		t.Errorf("reconcile: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
