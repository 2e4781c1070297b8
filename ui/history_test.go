package ui

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qfpos/qfpos/store"
)

// seed writes n orders of today (UTC) straight into the store: every
// third paid, the rest expired, one per minute from 09:00.
func seed(t *testing.T, st *store.Store, day time.Time, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		at := day.Add(9*time.Hour + time.Duration(i)*time.Minute)
		o := &store.Order{
			OutTradeNo: fmt.Sprintf("QFSEED%04d", i),
			Amount:     int64(100 * (i + 1)),
			Currency:   "HKD",
			CreatedAt:  at,
			State:      store.StateExpired,
		}
		if i%3 == 0 {
			o.State, o.SysSN, o.PaidAt = store.StatePaid, fmt.Sprintf("2026%08d", i), at.Add(time.Minute)
		}
		if err := st.Create(o); err != nil {
			t.Fatal(err)
		}
	}
}

// History pages through a day with the store's cursor, searches by order
// number, shows totals and the hourly chart, and exports CSV.
func TestHistoryPagingSearchTotalsExport(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	h := newHarness(t, opts{now: now})
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	seed(t, h.st, day, 120)
	seed2 := &store.Order{OutTradeNo: "QFYESTERDAY1", Amount: 999, Currency: "HKD", CreatedAt: day.Add(-time.Hour), State: store.StatePaid, SysSN: "1"}
	if err := h.st.Create(seed2); err != nil {
		t.Fatal(err)
	}

	tapIn(t, h.g.nav.history)
	s := h.g.history
	if h.g.screen != screenHistory || s.dayLabel.Text != "2026-11-20 Fri" {
		t.Fatalf("screen %s, day %q", h.g.screen, s.dayLabel.Text)
	}
	if len(s.orders) != historyPage || !s.more.Visible() {
		t.Fatalf("first page: %d orders, more %v", len(s.orders), s.more.Visible())
	}
	if s.orders[0].OutTradeNo != "QFSEED0119" {
		t.Errorf("newest first: %s", s.orders[0].OutTradeNo)
	}
	tapIn(t, s.more)
	tapIn(t, s.more)
	if len(s.orders) != 120 || s.more.Visible() {
		t.Fatalf("all pages: %d orders, more %v", len(s.orders), s.more.Visible())
	}
	seen := map[string]bool{}
	for _, o := range s.orders {
		if seen[o.OutTradeNo] {
			t.Fatalf("%s listed twice", o.OutTradeNo)
		}
		seen[o.OutTradeNo] = true
	}
	// 40 paid: 100 × (1 + 4 + … + 118) = 100 × 40 × 119 / 2.
	if want := "HKD paid HK$2,380.00 · sales: 40"; !strings.HasPrefix(s.totals.Text, want) || !strings.Contains(s.totals.Text, "expired 80") {
		t.Errorf("totals = %q, want %q… and expired 80", s.totals.Text, want)
	}
	var sum int64
	for _, v := range s.chart.hours {
		sum += v
	}
	if sum != 238000 || s.chart.hours[9] == 0 || s.chart.hours[8] != 0 {
		t.Errorf("chart = %v", s.chart.hours)
	}

	// Search over every day, by part of the order number, any case.
	test.Type(s.search, "qfseed011")
	s.search.OnSubmitted(s.search.Text)
	h.waitFor("the search", func() bool { return len(s.orders) > 0 })
	if len(s.orders) != 10 || !strings.Contains(s.dayLabel.Text, "qfseed011") {
		t.Fatalf("search: %d orders, label %q", len(s.orders), s.dayLabel.Text)
	}
	s.search.SetText("")
	if len(s.orders) != historyPage {
		t.Fatalf("clearing the search: %d orders", len(s.orders))
	}

	// The day before.
	tapIn(t, s.prev)
	if s.dayLabel.Text != "2026-11-19 Thu" || len(s.orders) != 1 || s.orders[0].OutTradeNo != "QFYESTERDAY1" {
		t.Fatalf("yesterday: %q %d", s.dayLabel.Text, len(s.orders))
	}
	if s.next.Disabled() {
		t.Error("next day disabled on yesterday")
	}
	tapIn(t, s.today)
	if !s.next.Disabled() {
		t.Error("next day enabled on today")
	}

	var buf bytes.Buffer
	if err := s.exporter()(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 121 || rows[0][1] != "out_trade_no" {
		t.Fatalf("CSV: %d rows, header %v", len(rows), rows[0])
	}
}

// Refund behind the PIN: the first time it asks to set one (saved as a
// hash), then a partial refund, then the rest within the staff session.
func TestRefundWithPIN(t *testing.T) {
	h := newHarness(t, opts{})
	h.typeAmount("12.50")
	o := h.chargeAndWaitQR()
	if err := h.srv.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	h.waitResult()
	tapIn(t, h.g.result.done)
	tapIn(t, h.g.nav.history)
	s := h.g.history
	if len(s.orders) != 1 {
		t.Fatalf("%d orders", len(s.orders))
	}
	s.list.Select(0)
	d := s.detail
	if d == nil || !strings.Contains(d.text.Text, "Order: "+o.OutTradeNo) || !strings.Contains(d.text.Text, "State: paid") {
		t.Fatalf("detail = %+v", d)
	}
	tapIn(t, d.refund)

	// No PIN yet: set one, twice.
	if h.g.pin == nil || h.g.pin.prompt.Text != "Choose a staff PIN (4 to 8 digits). It guards refunds, settings and leaving the kiosk." {
		t.Fatal("no PIN set-up")
	}
	h.pinType("12")
	if h.g.pin.msg.Text != "A PIN is 4 to 8 digits." {
		t.Fatalf("short PIN: %q", h.g.pin.msg.Text)
	}
	h.pinType("2580")
	h.pinType("2580")
	h.waitFor("the refund form", func() bool { return s.refund != nil })
	saved, err := os.ReadFile(h.cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(saved), "pin_hash = \"$argon2id$") || strings.Contains(string(saved), "2580") {
		t.Fatalf("config file:\n%s", saved)
	}
	if ok, _ := checkPIN(h.cfg.PINHash, "2580"); !ok {
		t.Fatal("the running config has not got the new PIN")
	}

	f := s.refund
	if f.amount.Text != "12.50" {
		t.Fatalf("default refund = %q", f.amount.Text)
	}
	f.amount.SetText("20")
	tapIn(t, f.ok)
	if f.msg.Text != "Type an amount up to HK$12.50." {
		t.Fatalf("too much: %q", f.msg.Text)
	}
	// By touch: the form's keypad, then a confirmation naming both amounts,
	// taken by Enter.
	for _, k := range []string{keyBack, keyBack, keyBack, keyBack, keyBack, "5"} {
		tapIn(t, f.keys[k])
	}
	if f.amount.Text != "5" {
		t.Fatalf("keypad typed %q", f.amount.Text)
	}
	tapIn(t, f.ok)
	if f.confirm == nil || f.confirm.text.Text != "Refund HK$5.00 of HK$12.50?" {
		t.Fatalf("no confirmation before the refund: %+v", f.confirm)
	}
	if got, _ := h.st.Get(o.OutTradeNo); len(got.Refunds) != 0 {
		t.Fatal("the refund went before it was confirmed")
	}
	h.key(fyne.KeyReturn)
	h.waitFor("the refund", func() bool { return h.g.lastMsg != nil && h.g.lastMsg.title == "Refund" })
	if !strings.HasPrefix(h.g.lastMsg.text.Text, "Refunded HK$5.00.") {
		t.Fatalf("message = %q", h.g.lastMsg.text.Text)
	}
	got, _ := h.st.Get(o.OutTradeNo)
	if got.Refunded() != 500 {
		t.Fatalf("refunded %d", got.Refunded())
	}
	if !strings.Contains(s.totals.Text, "refunded HK$5.00 · net HK$7.50") {
		t.Errorf("totals = %q", s.totals.Text)
	}
	row := s.list.CreateItem().(*fyne.Container)
	s.fillRow(s.orders[0], row)
	if a := row.Objects[2].(*widget.Label).Text; a != "HK$12.50 · refunded HK$5.00" {
		t.Errorf("list row amount = %q", a)
	}

	// The rest, without the PIN again (staff session).
	s.openOrder(o.OutTradeNo)
	tapIn(t, s.detail.refund)
	if h.g.pin != nil {
		t.Fatal("PIN asked again within the staff session")
	}
	if s.refund.amount.Text != "7.50" {
		t.Fatalf("left = %q", s.refund.amount.Text)
	}
	tapIn(t, s.refund.ok)
	tapIn(t, s.refund.confirm.yes)
	h.waitFor("the second refund", func() bool {
		// Until the refund's message shows, lastMsg is the refund form
		// (a custom dialog with no text label).
		got, err := h.st.Get(o.OutTradeNo)
		m := h.g.lastMsg
		return err == nil && got.Refunded() == 1250 && m != nil && m.title == "Refund" && m.text != nil &&
			strings.HasPrefix(m.text.Text, "Refunded HK$7.50")
	})
	s.openOrder(o.OutTradeNo)
	if s.detail.refund.Visible() {
		t.Error("Refund offered for a fully refunded order")
	}
}

// A search reads the whole time index: it runs off the UI goroutine, its
// answer comes back through do, and the answer of a search typed over
// is dropped.
func TestHistorySearchOffTheUIGoroutine(t *testing.T) {
	h := newHarness(t, opts{now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)})
	seed(t, h.st, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), 30)
	tapIn(t, h.g.nav.history)
	s := h.g.history
	s.search.SetText("qfseed001")
	s.search.OnSubmitted(s.search.Text)
	if len(s.orders) != 0 {
		t.Fatal("the search ran on the UI goroutine")
	}
	s.search.SetText("qfseed002") // typed over before the answer
	s.search.OnSubmitted(s.search.Text)
	h.waitFor("the search", func() bool { return len(s.orders) > 0 })
	time.Sleep(50 * time.Millisecond)
	h.drain() // the first search's answer, if it came last
	if len(s.orders) != 10 {
		t.Fatalf("%d orders listed, want the second search's 10", len(s.orders))
	}
	for _, o := range s.orders {
		if !strings.HasPrefix(o.OutTradeNo, "QFSEED002") {
			t.Fatalf("%s listed for qfseed002", o.OutTradeNo)
		}
	}
}

// gateWriter is an export file whose writes wait until the test opens
// the gate, or fail after a while.
type gateWriter struct {
	gate chan struct{}
	buf  bytes.Buffer
}

func (w *gateWriter) Write(p []byte) (int, error) {
	select {
	case <-w.gate:
	case <-time.After(3 * time.Second):
		return 0, errors.New("written on the UI goroutine")
	}
	return w.buf.Write(p)
}
func (w *gateWriter) Close() error  { return nil }
func (w *gateWriter) URI() fyne.URI { return storage.NewFileURI("/tmp/day.csv") }

// The CSV export writes on a goroutine, not in the file dialog's
// callback on the UI goroutine, and says when it is done.
func TestHistoryExportOffTheUIGoroutine(t *testing.T) {
	h := newHarness(t, opts{now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)})
	seed(t, h.st, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), 3)
	tapIn(t, h.g.nav.history)
	w := &gateWriter{gate: make(chan struct{})}
	h.g.history.saveCSV(w) // returns before the file is written
	close(w.gate)
	h.waitFor("the export's message", func() bool { return h.g.lastMsg != nil })
	if m := h.g.lastMsg.text.Text; m != "Saved /tmp/day.csv." {
		t.Fatalf("message %q", m)
	}
	if rows := strings.Count(w.buf.String(), "\n"); rows != 4 {
		t.Errorf("%d CSV lines, want 4", rows)
	}
}
