package checkout_test

import (
	"testing"

	"github.com/qfpos/qfpos/store"
)

// A sale abandoned while it waits for the customer is recorded unknown
// (Recover queries it later); one already settled keeps its state.
func TestAbandonRecordsUnknownUnlessFinal(t *testing.T) {
	r := newRig(t, nil)
	sale, ev := r.start(t, 700)
	qr := waitQR(t, ev)
	states, err := sale.Abandon("qfpos quit before the sale settled")
	if err != nil {
		t.Fatal(err)
	}
	if got := states[qr.OutTradeNo]; got != store.StateUnknown || len(states) != 1 {
		t.Fatalf("Abandon while awaiting = %v, want %s unknown", states, qr.OutTradeNo)
	}
	if o := r.order(t, qr.OutTradeNo); o.State != store.StateUnknown {
		t.Fatalf("stored state = %s, want unknown", o.State)
	}
	sale.Cancel()
	waitFinal(t, sale)

	paid, ev2 := r.start(t, 800)
	qr2 := waitQR(t, ev2)
	if err := r.srv.Pay(qr2.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	if final := waitFinal(t, paid); final.State != store.StatePaid {
		t.Fatalf("final = %+v", final)
	}
	states, err = paid.Abandon("late")
	if err != nil || states[qr2.OutTradeNo] != store.StatePaid {
		t.Fatalf("Abandon after paid = %v, %v; want paid kept", states, err)
	}
}
