package ui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	qfapp "github.com/qfpos/qfpos/app"
	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/store"
)

// TestAPISaleShowsAndCanBeCancelled: a sale the local API starts shows
// its QR in the window, a second one is refused while it runs, and the
// cashier's Cancel ends it.
func TestAPISaleShowsAndCanBeCancelled(t *testing.T) {
	h := newHarness(t, opts{})
	var till qfapp.Till = h.g
	type res struct {
		sale *checkout.Sale
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := till.StartSale(h.g.ctx, checkout.Request{Amount: 1250})
		ch <- res{s, err}
	}()
	var r res
	h.waitFor("the API's sale", func() bool {
		select {
		case r = <-ch:
			return true
		default:
			return false
		}
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" && h.g.sale != nil })
	if h.g.screen != screenQR {
		t.Fatalf("screen %s", h.g.screen)
	}
	go func() {
		_, err := till.StartSale(h.g.ctx, checkout.Request{Amount: 500})
		ch <- res{nil, err}
	}()
	h.waitFor("the refusal", func() bool {
		select {
		case r = <-ch:
			return true
		default:
			return false
		}
	})
	if !errors.Is(r.err, qfapp.ErrBusy) {
		t.Fatalf("second sale: %v, want ErrBusy", r.err)
	}
	tapIn(t, h.g.qr.cancel)
	tapIn(t, h.g.qr.confirm.yes)
	h.waitResult()
	o, err := h.st.Get(h.g.lastEvent.OutTradeNo)
	if err != nil || o.State != store.StateCancelled {
		t.Fatalf("order %+v %v", o, err)
	}
}

// TestSettingsShowsTheAPIFingerprint: with the API on the LAN, Settings
// shows its address and certificate fingerprint, for pinning; without, no
// line at all.
func TestSettingsShowsTheAPIFingerprint(t *testing.T) {
	h := newHarness(t, opts{})
	const fp = "4A:1F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:9C"
	shows := func() bool {
		s := newSettingsScreen(h.g)
		w := test.NewTempWindow(t, s.content)
		w.Resize(fyne.NewSize(800, 1200))
		for _, o := range test.LaidOutObjects(s.content) {
			if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, fp) {
				return true
			}
		}
		return false
	}
	if shows() {
		t.Fatal("a fingerprint shown with no API")
	}
	h.g.d.API = func() qfapp.API { return qfapp.API{LAN: "https://0.0.0.0:8768", Fingerprint: fp} }
	if !shows() {
		t.Fatal("no fingerprint in Settings")
	}
}
