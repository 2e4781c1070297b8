package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// TestMain lets the test binary be qfpos itself: with QFPOS_RUN_MAIN=1 it
// runs main, so the crash test kills real qfpos processes.
func TestMain(m *testing.M) {
	if os.Getenv("QFPOS_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCrashMidSaleLosesNothing kills real `qfpos pay` processes with
// SIGKILL at random points of many sales against a standalone sandbox,
// then runs `qfpos reconcile`: no order may be lost, and every order must
// end in the sandbox's true state.
func TestCrashMidSaleLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	srv, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "orders.db")
	env := append(os.Environ(),
		"QFPOS_RUN_MAIN=1",
		"QFPAY_BASE_URL="+srv.URL(),
		"QFPAY_APP_CODE="+sandbox.DefaultAppCode,
		"QFPAY_CLIENT_KEY="+sandbox.DefaultClientKey,
		"QFPOS_DB="+db,
		"XDG_CONFIG_HOME="+dir,
		"QFPOS_NOT_FOUND_AFTER=1s",
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))

	const sales = 16
	for i := range sales {
		cmd := exec.Command(os.Args[0], "pay", fmt.Sprintf("%d.%02d", 10+i, rng.IntN(100)), "--json", "--quiet")
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		before := len(srv.Orders())
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		newOrder := func() (string, bool) {
			deadline := time.Now().Add(15 * time.Second)
			for time.Now().Before(deadline) {
				if os := srv.Orders(); len(os) > before {
					return os[len(os)-1].OutTradeNo, true
				}
				time.Sleep(5 * time.Millisecond)
			}
			return "", false
		}
		action := rng.IntN(5)
		switch action {
		case 0: // killed at any moment, maybe before anything was sent
			time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		case 1: // killed while the QR is up
			newOrder()
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		case 2: // the customer pays; killed before or after it is seen
			if no, ok := newOrder(); ok {
				srv.Pay(no)
			}
			time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		case 3: // the customer declines; killed at some point
			if no, ok := newOrder(); ok {
				srv.Decline(no)
			}
			time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		case 4: // a sale that runs to its end
			if no, ok := newOrder(); ok {
				srv.Pay(no)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatal(err)
				}
				if code := cmd.ProcessState.ExitCode(); code != 0 {
					t.Errorf("sale %d: paid sale exited %d: %s", i, code, stderr.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("sale %d did not end", i)
			}
			continue
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		t.Logf("sale %d: action %d, killed", i, action)
	}

	// Past the not-found age, reconcile settles everything it can.
	time.Sleep(1100 * time.Millisecond)
	rec := exec.Command(os.Args[0], "reconcile", "--no-day")
	rec.Env = env
	out, err := rec.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
		t.Fatalf("reconcile: %v\n%s", err, out)
	}
	t.Logf("reconcile:\n%s", out)

	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	local := map[string]*store.Order{}
	for cursor := ""; ; {
		page, next, err := st.List(store.ListQuery{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			local[o.OutTradeNo] = o
		}
		if next == "" {
			break
		}
		cursor = next
	}
	remote := map[string]sandbox.OrderView{}
	for _, v := range srv.Orders() {
		if v.OrderType == "payment" || v.OrderType == "" {
			remote[v.OutTradeNo] = v
		}
	}
	// A process killed before it saved its order sent nothing either; every
	// order QFPay has must be in the file.
	if len(local) < len(remote) || len(remote) == 0 {
		t.Errorf("%d orders in the file, %d at QFPay", len(local), len(remote))
	}
	for no, v := range remote {
		if _, ok := local[no]; !ok {
			t.Errorf("order %s exists at QFPay (%s) but was lost from the order file", no, v.State)
		}
	}
	for no, o := range local {
		v, atQFPay := remote[no]
		var want []store.State
		switch {
		case !atQFPay:
			want = []store.State{store.StateFailed}
		case v.State == sandbox.StatePaid:
			want = []store.State{store.StatePaid}
		case v.State == sandbox.StatePending:
			want = []store.State{store.StateAwaiting}
		case v.State == sandbox.StateDeclined:
			want = []store.State{store.StateFailed}
		default: // closed or expired at QFPay
			want = []store.State{store.StateCancelled, store.StateExpired}
		}
		ok := false
		for _, w := range want {
			ok = ok || o.State == w
		}
		if !ok {
			t.Errorf("order %s is %s here, but QFPay says %s (at QFPay: %v); history %+v", no, o.State, v.State, atQFPay, o.History)
		}
	}
}
