package ui

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/qfpos/qfpos/checkout"
	"github.com/qfpos/qfpos/config"
	"github.com/qfpos/qfpos/money"
	"github.com/qfpos/qfpos/payment"
	"github.com/qfpos/qfpos/payment/sandbox"
	"github.com/qfpos/qfpos/store"
)

func TestMain(m *testing.M) {
	// Cheap PIN hashes: the race detector makes Argon2id's defaults slow.
	argonParams.memory, argonParams.time, argonParams.threads = 1024, 1, 1
	os.Exit(m.Run())
}

// harness is the GUI on a real engine: a temporary order file, the
// in-process sandbox, a config file in a temporary folder. Work the GUI
// hands to the UI goroutine is queued and run by the test goroutine in
// waitFor, so tests stay free of races.
type harness struct {
	t      testing.TB
	srv    *sandbox.Server
	st     *store.Store
	eng    *checkout.Engine
	cfg    *config.Config
	g      *gui
	w      fyne.Window
	q      chan func()
	chimes atomic.Int32
	clock  *fakeNow
	inline atomic.Bool  // Do runs f at once on the caller's goroutine, as fyne.Do does after the loop
	quits  atomic.Int32 // calls of the app's Quit
}

// quitCounter is the test app, counting Quit (a no-op there).
type quitCounter struct {
	fyne.App
	n *atomic.Int32
}

func (a quitCounter) Quit() { a.n.Add(1) }

type opts struct {
	currency string
	expiry   time.Duration
	kiosk    bool
	language string
	now      time.Time // fixed wall clock for the GUI (countdown, days); zero = real
	size     fyne.Size
	qrFor    func(outTradeNo string) string // Deps.QRFor
}

// fakeNow is a wall clock the test moves; zero means the real time.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.t.IsZero() {
		return time.Now()
	}
	return f.t
}

func (f *fakeNow) Set(t time.Time) {
	f.mu.Lock()
	f.t = t
	f.mu.Unlock()
}

func newHarness(t testing.TB, o opts) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	dir := t.TempDir()
	srv, err := sandbox.Start("127.0.0.1:0", sandbox.Config{MerchantName: "Tea House", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client, err := payment.NewClient(srv.URL(), sandbox.DefaultAppCode, sandbox.DefaultClientKey,
		payment.WithLocation(time.UTC), payment.WithTimeout(5*time.Second), payment.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "orders.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if o.currency == "" {
		o.currency = "HKD"
	}
	if o.expiry == 0 {
		o.expiry = 5 * time.Minute
	}
	cfg := config.Defaults()
	cfg.Path = filepath.Join(dir, "config.toml")
	cfg.DB = st.Path()
	cfg.MerchantName = "Tea House"
	cfg.Currency = o.currency
	cfg.Kiosk = o.kiosk
	cfg.Timezone = "UTC"
	if o.language != "" {
		cfg.Language = o.language
	}
	eng := checkout.New(client, st, checkout.Settings{
		Currency:  money.MustLookup(o.currency),
		MaxTxamt:  cfg.MaxTxamt(),
		Expiry:    o.expiry,
		Location:  time.UTC,
		UDID:      "test",
		PollShare: 1,
		Poll:      checkout.Poll{Fast: 20 * time.Millisecond, Slow: 40 * time.Millisecond, FastFor: time.Minute, MaxBackoff: 100 * time.Millisecond},
		Grace:     300 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, srv: srv, st: st, eng: eng, cfg: cfg, q: make(chan func(), 1<<14), clock: &fakeNow{t: o.now}}
	h.g = newGUI(ctx, quitCounter{a, &h.quits}, Deps{
		Config: cfg,
		Engine: eng,
		Do: func(f func()) {
			if h.inline.Load() {
				f()
				return
			}
			h.q <- f
		},
		Now:            h.clock.Now,
		Chime:          func() { h.chimes.Add(1) },
		Speak:          func(context.Context, string, string, int) error { return nil },
		ResultDelay:    time.Hour, // tests go back by hand, or set it
		Tick:           50 * time.Millisecond,
		RecheckUnknown: 50 * time.Millisecond,
		QRFor:          o.qrFor,
	})
	h.w = h.g.win
	if o.size.IsZero() {
		o.size = fyne.NewSize(800, 480)
	}
	h.w.Resize(o.size)
	t.Cleanup(func() {
		cancel()
		if s := h.g.sale; s != nil {
			s.Cancel()
			select {
			case <-s.Done():
			case <-time.After(30 * time.Second):
			}
		}
		h.g.shutdown(0)
	})
	return h
}

// waitFor runs the UI work queued by the GUI's goroutines until cond
// holds, failing after a generous minute (the machine may be busy).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		select {
		case f := <-h.q:
			f()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// drain runs the UI work queued so far.
func (h *harness) drain() {
	for {
		select {
		case f := <-h.q:
			f()
		default:
			return
		}
	}
}

// key presses a key on the window's canvas (no widget focused).
func (h *harness) key(name fyne.KeyName) {
	h.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: name})
}

// typeAmount types on the canvas, as on a physical keyboard.
func (h *harness) typeAmount(s string) { test.TypeOnCanvas(h.w.Canvas(), s) }

// chargeAndWaitQR charges what is typed and waits for the QR.
func (h *harness) chargeAndWaitQR() *store.Order {
	h.t.Helper()
	if h.g.amount.charge.Disabled() {
		h.t.Fatalf("Charge is disabled for %q", h.g.amount.input)
	}
	test.Tap(h.g.amount.charge)
	if h.g.screen != screenQR {
		h.t.Fatalf("screen = %s after Charge, want qr", h.g.screen)
	}
	h.waitFor("the QR", func() bool { return h.g.qr.qr.content != "" })
	o, err := h.st.Get(h.g.sale.OutTradeNo())
	if err != nil {
		h.t.Fatal(err)
	}
	return o
}

// waitResult waits for the result screen.
func (h *harness) waitResult() {
	h.t.Helper()
	h.waitFor("the result screen", func() bool { return h.g.screen == screenResult })
}

// decodeQR reads the QR code in an image.
func decodeQR(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code in the window: %v", err)
	}
	return res.GetText()
}

// tapIn taps a button of a dialog or screen, failing if it is hidden or
// disabled (a person could not tap it either).
func tapIn(t testing.TB, b *widget.Button) {
	t.Helper()
	if b == nil || !b.Visible() || b.Disabled() {
		t.Fatalf("button %v cannot be tapped", b)
	}
	test.Tap(b)
}

// pinType enters a PIN on the open PIN pad by its keys, then OK.
func (h *harness) pinType(pin string) {
	h.t.Helper()
	p := h.g.pin
	if p == nil {
		h.t.Fatal("no PIN dialog is open")
	}
	for _, r := range pin {
		tapIn(h.t, p.keys[string(r)])
	}
	tapIn(h.t, p.ok)
}
