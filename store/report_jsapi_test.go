package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTotalsCountAJSAPISaleOnce: a WeChat JSAPI sale (its 800201 order and
// its attempts) is counted once, as what it ended as, on the day of its
// 800201 order.
func TestTotalsCountAJSAPISaleOnce(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	type ord struct {
		no, parent string
		at         time.Duration // after the day's start
		state      State
	}
	for _, tc := range []struct {
		name      string
		orders    []ord
		day, next string // Totals of the day and of the next day
	}{
		{"paid by its attempt", []ord{
			{"S1", "", 10 * time.Hour, StateCancelled},
			{"S1A1", "S1", 10*time.Hour + time.Minute, StateFailed},
			{"S1A2", "S1", 10*time.Hour + 2*time.Minute, StatePaid},
		}, "HKD paid 1 1250", ""},
		{"ended without a payment", []ord{
			{"S1", "", 10 * time.Hour, StateCancelled},
			{"S1A1", "S1", 10*time.Hour + time.Minute, StateCancelled},
		}, "HKD cancelled 1 1250", ""},
		{"an attempt's outcome unknown", []ord{
			{"S1", "", 10 * time.Hour, StateCancelled},
			{"S1A1", "S1", 10*time.Hour + time.Minute, StateUnknown},
		}, "HKD unknown 1 1250", ""},
		{"paid by the QR", []ord{
			{"S1", "", 10 * time.Hour, StatePaid},
			{"S1A1", "S1", 10*time.Hour + time.Minute, StateCancelled},
		}, "HKD paid 1 1250", ""},
		{"paid twice: money received twice", []ord{
			{"S1", "", 10 * time.Hour, StatePaid},
			{"S1A1", "S1", 10*time.Hour + time.Minute, StatePaid},
		}, "HKD paid 2 2500", ""},
		{"attempt after midnight", []ord{
			{"S1", "", 23*time.Hour + 55*time.Minute, StateCancelled},
			{"S1A1", "S1", 24*time.Hour + 5*time.Minute, StatePaid},
			{"S2", "", 25 * time.Hour, StateExpired},
		}, "HKD paid 1 1250", "HKD expired 1 1250"},
		{"beside an ordinary sale", []ord{
			{"S0", "", 9 * time.Hour, StatePaid},
			{"S1", "", 10 * time.Hour, StateExpired},
			{"S1A1", "S1", 10*time.Hour + time.Minute, StatePaid},
		}, "HKD paid 2 2500", ""},
		{"attempt whose order is missing", []ord{
			{"S1A1", "S9", 10 * time.Hour, StatePaid},
		}, "HKD paid 1 1250", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			for _, o := range tc.orders {
				x := newOrder(o.no, day.Add(o.at))
				x.State, x.Parent = o.state, o.parent
				if o.parent != "" {
					x.PayType = "800207"
				}
				mustCreate(t, s, x)
			}
			totals := func(from time.Time) string {
				got, err := s.Totals(from, from.AddDate(0, 0, 1))
				if err != nil {
					t.Fatal(err)
				}
				var lines []string
				for _, x := range got {
					lines = append(lines, fmt.Sprintf("%s %s %d %d", x.Currency, x.State, x.Count, x.Amount))
				}
				return strings.Join(lines, "; ")
			}
			if got := totals(day); got != tc.day {
				t.Errorf("day: %q, want %q", got, tc.day)
			}
			if got := totals(day.AddDate(0, 0, 1)); got != tc.next {
				t.Errorf("next day: %q, want %q", got, tc.next)
			}
		})
	}
}
