package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

// shiftClock is the real clock moved on by an offset: the crash part's
// processes run on real time, and the sandbox is moved past the QRs'
// expiry before the last reconcile.
type shiftClock struct{ offset atomic.Int64 }

func (c *shiftClock) Now() time.Time      { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *shiftClock) Add(d time.Duration) { c.offset.Add(int64(d)) }

// runCrashes kills o.crashes real `qfpos pay` processes with SIGKILL, on
// o.lanes lanes at once (each with its own sandbox and order file).
func runCrashes(o options, t *tally) error {
	if o.crashes <= 0 {
		return nil
	}
	dir, err := os.MkdirTemp("", "qfpos-soak-crash-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lanes := max(1, min(o.lanes, o.crashes))
	var wg sync.WaitGroup
	errs := make(chan error, lanes)
	for l := range lanes {
		n := o.crashes / lanes
		if l < o.crashes%lanes {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := crashLane(o, t, l, n, filepath.Join(dir, fmt.Sprint("lane", l))); err != nil {
				errs <- fmt.Errorf("crash lane %d: %w", l, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

type lane struct {
	o     options
	t     *tally
	id    int
	clock *shiftClock
	srv   *sandbox.Server
	wit   *witness
	db    string
	env   []string
}

func crashLane(o options, t *tally, id, crashes int, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	clock := &shiftClock{}
	srv := sandbox.New(sandbox.Config{Now: clock.Now, Location: time.UTC})
	defer srv.Close()
	wit := newWitness(srv, clock.Now, time.UTC, o.monthRule)
	hs := httptest.NewServer(wit)
	defer hs.Close()
	l := &lane{o: o, t: t, id: id, clock: clock, srv: srv, wit: wit, db: filepath.Join(dir, "orders.db")}
	l.env = append(os.Environ(),
		"QFPOS_RUN_MAIN=1",
		"QFPAY_BASE_URL="+hs.URL,
		"QFPAY_APP_CODE="+sandbox.DefaultAppCode,
		"QFPAY_CLIENT_KEY="+sandbox.DefaultClientKey,
		"QFPOS_DB="+l.db,
		"XDG_CONFIG_HOME="+dir,
		"QFPOS_TIMEZONE=UTC",
		"QFPOS_NOT_FOUND_AFTER=1s",
	)
	r := rand.New(rand.NewPCG(o.seed, 1_000_000+uint64(id)))
	consumed, pending := int64(0), int64(0) // faults used up; faults of the last SetFaults
	for kills := 0; kills < crashes; {
		if r.IntN(3) == 0 { // a fault for this sale (or the next, or its recovery)
			f := sandbox.Faults{}
			switch r.IntN(4) {
			case 0:
				f.Payment = []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}}
			case 1:
				f.Payment = []sandbox.Fault{{Kind: sandbox.FaultPending, RespCd: "1145", NoQRCode: r.IntN(2) == 0}}
			case 2:
				f.Query = []sandbox.Fault{{Kind: sandbox.FaultServerError, Times: 2}}
			case 3:
				f.Close = []sandbox.Fault{{Kind: sandbox.FaultDrop, Processed: true}}
			}
			consumed += pending - countFaults(srv.Faults())
			pending = countFaults(f)
			srv.SetFaults(f) // replaces what the last sale left unused
		}
		killed, err := l.sale(r)
		if err != nil {
			return err
		}
		if killed {
			kills++
		}
		if killed && r.IntN(2) == 0 {
			if err := l.reconcile(); err != nil {
				return err
			}
		}
	}
	t.crashFaults.Add(consumed + pending - countFaults(srv.Faults()))
	srv.SetFaults(sandbox.Faults{})

	// Past the not-found age, reconcile settles what it can; what it calls
	// ended must not be payable.
	time.Sleep(1100 * time.Millisecond)
	if err := l.reconcile(); err != nil {
		return err
	}
	local, err := l.orders()
	if err != nil {
		return err
	}
	for no, lo := range local {
		if v, ok := srv.Order(no); ok && v.State == sandbox.StatePending && lo.State.Final() && lo.State != store.StatePaid {
			t.payableAfterEnd.Add(1)
			t.finding("payable_after_end: crash lane %d: %s is %s here, still payable at the sandbox", id, no, lo.State)
		}
	}
	// The QRs left payable expire; the last reconcile settles everything.
	clock.Add(6 * time.Minute)
	if err := l.reconcile(); err != nil {
		return err
	}
	if local, err = l.orders(); err != nil {
		return err
	}
	remote := map[string]sandbox.OrderView{}
	for _, v := range srv.Orders() {
		if v.OrderType == "payment" {
			remote[v.OutTradeNo] = v
		}
	}
	for no, v := range remote {
		if _, ok := local[no]; !ok {
			t.otherMismatch.Add(1)
			t.finding("crash lane %d: %s exists at the sandbox (%s) but not in the order file", id, no, v.State)
			if v.State == sandbox.StatePaid {
				t.lost.Add(1)
			}
		}
	}
	for no, lo := range local {
		v, ok := remote[no]
		t.crashOrders.Add(1)
		if lo.State == store.StatePaid {
			t.crashPaid.Add(1)
		}
		if n := wit.sends(no); n > 1 {
			t.sentTwice.Add(1)
			t.finding("sent_twice: crash lane %d: %s reached the sandbox %d times", id, no, n)
		}
		switch {
		case lo.State == store.StatePaid && (!ok || v.State != sandbox.StatePaid):
			t.falsePaid.Add(1)
			t.finding("false_paid: crash lane %d: %s is paid here, sandbox says %s", id, no, v.State)
		case ok && v.State == sandbox.StatePaid && lo.State != store.StatePaid:
			t.lost.Add(1)
			t.finding("lost_payment: crash lane %d: %s paid at the sandbox, %s here after reconcile; last note %q", id, no, lo.State, lastNote(lo))
		case !lo.State.Final():
			t.unsettled.Add(1)
			t.finding("unsettled: crash lane %d: %s still %s after reconcile, sandbox says %s", id, no, lo.State, v.State)
		case !agrees(lo.State, v, ok):
			t.otherMismatch.Add(1)
			t.finding("mismatch: crash lane %d: %s is %s here, sandbox says %s (found %v)", id, no, lo.State, v.State, ok)
		}
	}
	return nil
}

// sale runs one `qfpos pay` and, mostly, kills it with SIGKILL at a random
// moment while the payer does something. killed is false for a sale let
// run to its end.
func (l *lane) sale(r *rand.Rand) (killed bool, err error) {
	l.t.sales.Add(1)
	before := len(l.srv.Orders())
	cmd := exec.Command(l.o.bin, "pay", fmt.Sprintf("%d.%02d", 1+r.IntN(500), r.IntN(100)), "--json", "--quiet")
	cmd.Env = l.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return false, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	newOrder := func() string {
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if os := l.srv.Orders(); len(os) > before {
				return os[len(os)-1].OutTradeNo
			}
			select {
			case <-done:
				return ""
			case <-time.After(5 * time.Millisecond):
			}
		}
		return ""
	}
	ms := func(n int) time.Duration { return time.Duration(r.IntN(n)) * time.Millisecond }
	action := r.IntN(6)
	payAfterKill := ""
	switch action {
	case 0: // at any moment, maybe before anything was sent
		time.Sleep(ms(400))
	case 1: // while the QR is up
		newOrder()
		time.Sleep(ms(300))
	case 2: // the payer pays; killed before or after it is seen
		if no := newOrder(); no != "" {
			l.srv.Pay(no)
		}
		time.Sleep(ms(1500))
	case 3: // the payer declines
		if no := newOrder(); no != "" {
			l.srv.Decline(no)
		}
		time.Sleep(ms(1500))
	case 4: // the payer pays while qfpos is down
		payAfterKill = newOrder()
		time.Sleep(ms(500))
	case 5: // a sale that runs to its end
		if no := newOrder(); no != "" {
			l.srv.Pay(no)
		}
		select {
		case <-done:
		case <-time.After(90 * time.Second):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return false, fmt.Errorf("a paid sale did not end in 90 s: %s", stderr.String())
		}
		l.t.finished.Add(1)
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			l.t.finding("crash lane %d: a sale paid and left alone exited %d: %s %s", l.id, code, bytes.TrimSpace(stdout.Bytes()), bytes.TrimSpace(stderr.Bytes()))
		}
		return false, nil
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	l.t.crashes.Add(1)
	if payAfterKill != "" {
		l.srv.Pay(payAfterKill) // an error: it ended before the kill
	}
	if l.o.verbose {
		fmt.Fprintf(os.Stderr, "soak: crash lane %d: action %d, killed (%s)\n", l.id, action, cmd.ProcessState)
	}
	return true, nil
}

// reconcile runs `qfpos reconcile --no-day`: exit 0, or 3 while some
// orders are still open, is what it may answer.
func (l *lane) reconcile() error {
	cmd := exec.Command(l.o.bin, "reconcile", "--no-day")
	cmd.Env = l.env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
		return fmt.Errorf("reconcile: %v\n%s", err, out)
	}
	return nil
}

// orders reads every order of the lane's file.
func (l *lane) orders() (map[string]*store.Order, error) {
	st, err := store.Open(l.db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	out := map[string]*store.Order{}
	for cursor := ""; ; {
		page, next, err := st.List(store.ListQuery{Limit: 100, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			out[o.OutTradeNo] = o
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}
