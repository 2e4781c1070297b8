package receipt

import (
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/store"
)

func TestWidthAndWrap(t *testing.T) {
	for s, want := range map[string]int{"abc": 3, "珍珠奶茶": 8, "HK$1,234.50": 11, "九龍 tea": 8} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
	for _, l := range Wrap("珍珠奶茶珍珠奶茶珍珠奶茶 with extra tapioca pearls and less sugar", 16) {
		if Width(l) > 16 {
			t.Errorf("wrapped line %q is %d columns", l, Width(l))
		}
	}
	if got := Wrap("a\x1b@b\x1dVA", 32); got[0] != "a@bVA" {
		t.Errorf("control characters kept: %q", got)
	}
	if got := Pair("Item", "Tea", 10); got[0] != "Item   Tea" {
		t.Errorf("Pair = %q", got)
	}
}

func TestSaleTimesInMerchantZone(t *testing.T) {
	o := &store.Order{OutTradeNo: "QF1", Amount: 500, Currency: "JPY", State: store.StatePaid,
		PaidAt: time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)}
	r := Sale(o, Options{Location: time.FixedZone("JST", 9*3600), Lang: "en", Paper: Paper58})
	if txt := r.Text(); !strings.Contains(txt, "2027-01-01 08:30:00") || !strings.Contains(txt, "¥500") && !strings.Contains(txt, "JPY 500") {
		t.Errorf("receipt:\n%s", txt)
	}
	if strings.Contains(r.Text(), "SANDBOX") {
		t.Error("sandbox line on a live receipt")
	}
}

func TestDayReportNet(t *testing.T) {
	r := DayReport(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), []store.Total{
		{Currency: "HKD", State: store.StatePaid, Count: 2, Amount: 3000, Refunded: 500},
		{Currency: "HKD", State: store.StateFailed, Count: 1, Amount: 700},
	}, time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), Options{Lang: "en", Paper: Paper80, MerchantCopy: true})
	txt := r.Text()
	for _, w := range []string{"Paid (2)", "HK$30.00", "Failed (1)", "-HK$5.00", "HK$25.00", "MERCHANT COPY"} {
		if !strings.Contains(txt, w) {
			t.Errorf("report lacks %q:\n%s", w, txt)
		}
	}
}
