// Command soak runs many sandbox sales under random faults and real
// crashes and checks every order against the sandbox's truth (issue 8,
// docs/reliability.md). `make soak` runs it in full, `make soak-short` the
// short fixed-seed run CI does.
//
// Two parts run at once:
//
//   - In-process sales: workers, each with its own sandbox, order file and
//     engine on a virtual clock (a five-minute sale takes milliseconds), run
//     -sales sales with faults from the sandbox's fault kit (lost answers,
//     processed or not; 5xx; 429; 1143/1145 on create, with or without
//     the QR), payments landing during a close, payers declining or paying
//     late, cashiers cancelling, and sales begun seconds before midnight on
//     a month's last day and paid after it. Unfinished orders are then
//     settled by the engine's start-up recovery.
//   - Crashes: -crashes real `qfpos pay` processes killed with SIGKILL at
//     a random moment, then `qfpos reconcile`.
//
// It prints the seed first and ends with one summary line:
//
//	soak: seed=… sales=N faults=N false_paid=0 lost_payments=0 sent_twice=0 payable_after_end=0
//
// and exits 1 when any of the last four is not 0. With QFPOS_RUN_MAIN=1
// the binary is qfpos itself (without the GUI), which is what the crash
// part runs unless -bin names a built qfpos.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qfpos/qfpos/cli"
)

type options struct {
	seed      uint64
	sales     int
	workers   int
	crashes   int
	lanes     int
	bin       string
	monthRule bool
	verbose   bool
}

// tally is what the soak counts. The first four after faults are the ones
// that must stay 0.
type tally struct {
	sales, faults                                  atomic.Int64
	falsePaid, lost, sentTwice, payableAfterEnd    atomic.Int64
	crashes, finished, unsettled, otherMismatch    atomic.Int64
	monthEdges, closeRaces, kitFaults, crashFaults atomic.Int64
	crashOrders, crashPaid                         atomic.Int64
	findingsMu                                     sync.Mutex
	findings                                       map[string]int
}

const maxFindings = 5 // shown per kind

// finding prints one problem found: the first maxFindings of each kind
// (the words before the first colon).
func (t *tally) finding(format string, args ...any) {
	kind, _, _ := strings.Cut(format, ":")
	t.findingsMu.Lock()
	defer t.findingsMu.Unlock()
	if t.findings == nil {
		t.findings = map[string]int{}
	}
	t.findings[kind]++
	switch n := t.findings[kind]; {
	case n <= maxFindings:
		fmt.Fprintf(os.Stderr, "soak: FOUND "+format+"\n", args...)
	case n == maxFindings+1:
		fmt.Fprintf(os.Stderr, "soak: (more %q findings not shown)\n", kind)
	}
}

func main() {
	if os.Getenv("QFPOS_RUN_MAIN") == "1" { // be qfpos (headless) for the crash part
		os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{}))
	}
	var o options
	seed := flag.String("seed", os.Getenv("QFPOS_SOAK_SEED"), "random seed (default: from the time; env QFPOS_SOAK_SEED)")
	flag.IntVar(&o.sales, "sales", 2000, "in-process sales")
	flag.IntVar(&o.workers, "workers", 12, "in-process sales run at once")
	flag.IntVar(&o.crashes, "crashes", 50, "qfpos pay processes killed with SIGKILL")
	flag.IntVar(&o.lanes, "lanes", 3, "crash lanes run at once (each its own order file)")
	flag.StringVar(&o.bin, "bin", "", "qfpos binary for the crash part (default: this binary as qfpos)")
	flag.BoolVar(&o.monthRule, "month-rule", true, "apply QFPay's month rule to queries without syssn/start_time/end_time")
	flag.BoolVar(&o.verbose, "v", false, "one line per crash")
	flag.Parse()
	if *seed == "" {
		o.seed = uint64(time.Now().UnixNano())
	} else {
		n, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "soak: -seed %q: want a whole number\n", *seed)
			os.Exit(2)
		}
		o.seed = n
	}
	if o.bin == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak: cannot find this binary:", err)
			os.Exit(2)
		}
		o.bin = exe
	}
	os.Exit(run(o))
}

func run(o options) int {
	fmt.Printf("soak: seed=%d sales=%d workers=%d crashes=%d lanes=%d month_rule=%v (rerun with -seed %d)\n",
		o.seed, o.sales, o.workers, o.crashes, o.lanes, o.monthRule, o.seed)
	began := time.Now()
	t := &tally{}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs <- runSales(o, t) }()
	go func() { defer wg.Done(); errs <- runCrashes(o, t) }()
	wg.Wait()
	close(errs)
	code := 0
	for err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak: harness error:", err)
			code = 2
		}
	}
	t.faults.Store(t.kitFaults.Load() + t.closeRaces.Load() + t.monthEdges.Load() + t.crashFaults.Load())
	fmt.Printf("soak: detail: in_process_sales=%d crashes=%d crash_sales_finished=%d kit_faults=%d close_races=%d month_edges=%d crash_faults=%d crash_orders=%d crash_paid=%d unsettled=%d other_mismatches=%d duration=%s\n",
		t.sales.Load()-t.crashes.Load()-t.finished.Load(), t.crashes.Load(), t.finished.Load(), t.kitFaults.Load(), t.closeRaces.Load(),
		t.monthEdges.Load(), t.crashFaults.Load(), t.crashOrders.Load(), t.crashPaid.Load(), t.unsettled.Load(), t.otherMismatch.Load(), time.Since(began).Round(time.Second))
	fmt.Printf("soak: seed=%d sales=%d faults=%d false_paid=%d lost_payments=%d sent_twice=%d payable_after_end=%d\n",
		o.seed, t.sales.Load(), t.faults.Load(), t.falsePaid.Load(), t.lost.Load(), t.sentTwice.Load(), t.payableAfterEnd.Load())
	if t.falsePaid.Load()+t.lost.Load()+t.sentTwice.Load()+t.payableAfterEnd.Load() > 0 && code == 0 {
		code = 1
	}
	return code
}
