package cli_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// errorLines are the lines of stderr other than the sandbox notice.
func errorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if l != "" && !strings.Contains(l, "SANDBOX mode") {
			out = append(out, l)
		}
	}
	return out
}

// qfposGUI runs the command line with a GUI that, like ui.Run, first wires
// the engine.
func qfposGUI(env map[string]string, args ...string) run {
	var out, errb strings.Builder
	code := cli.Main(context.Background(), args, cli.Env{
		Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		GUI: func(ctx context.Context, a *cli.App) error {
			_, err := a.Engine()
			if err == nil {
				err = errors.New("the GUI opened")
			}
			return err
		},
	})
	return run{code, out.String(), errb.String()}
}

// --sandbox on a live order file: every command refuses it with exit 2 and
// one line, and the sandbox's recovery never touches the live orders.
func TestSandboxRefusesALiveOrderFile(t *testing.T) {
	srv, env := setup(t)
	db := env["QFPOS_DB"]
	st, err := store.Open(db, store.WithIdentity(store.Live(srv.URL(), sandbox.DefaultAppCode), store.Identity{}))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour)
	for _, o := range []*store.Order{
		{OutTradeNo: "liveunknown1", PayType: "800201", Amount: 700, Currency: "HKD", CreatedAt: at, State: store.StateUnknown},
		{OutTradeNo: "liveawaiting", PayType: "800201", Amount: 800, Currency: "HKD", CreatedAt: at, State: store.StateAwaiting},
	} {
		if err := st.Create(o); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}

	want := "qfpos: " + db + " is a live order file (" + srv.URL() + ", app " + sandbox.DefaultAppCode[:8]
	for _, args := range [][]string{{"--sandbox", "reconcile"}, {"--sandbox", "pay", "5"}, {"--sandbox", "orders"}, {"--sandbox", "report"}, {"--sandbox", "refund", "liveunknown1"}, {"--sandbox"}} {
		r := qfposGUI(env, args...)
		lines := errorLines(r.stderr)
		if r.code != cli.ExitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.HasSuffix(lines[0], "; this qfpos is sandbox: set db (QFPOS_DB) to another file") {
			t.Errorf("%v: exit %d, stderr %q\nwant exit 2 and one line starting %q", args, r.code, r.stderr, want)
		}
	}
	if after, _ := os.ReadFile(db); string(after) != string(before) {
		t.Error("the sandbox changed the live order file")
	}
	st, err = store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for no, state := range map[string]store.State{"liveunknown1": store.StateUnknown, "liveawaiting": store.StateAwaiting} {
		if o, err := st.Get(no); err != nil || o.State != state {
			t.Errorf("%s: %v %v, want %s", no, o.State, err, state)
		}
	}
}

// A damaged order file: every command says so in one line and exits 2,
// and nothing is written to it.
func TestDamagedOrderFile(t *testing.T) {
	_, env := setup(t)
	db := env["QFPOS_DB"]
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		o := &store.Order{OutTradeNo: fmt.Sprintf("filler%04d", i), PayType: "800201", Amount: 100, Currency: "HKD", CreatedAt: time.Now().UTC(), State: store.StatePaid}
		if err := st.Create(o); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := os.Truncate(db, 8192); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"reconcile"}, {"pay", "5"}, {"orders"}, {"report"}, {"export", "--csv", filepath.Join(t.TempDir(), "x.csv")}, {"refund", "filler0001"}, {}} {
		r := qfposGUI(env, args...)
		lines := errorLines(r.stderr)
		if r.code != cli.ExitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "qfpos: "+db+" is damaged (") {
			t.Errorf("%v: exit %d, stderr %q\nwant exit 2 and one line", args, r.code, r.stderr)
		}
	}
	if fi, err := os.Stat(db); err != nil || fi.Size() != 8192 {
		t.Errorf("damaged file changed: %v %v", fi.Size(), err)
	}
}
