package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/qfpos/qfpos/cli"
)

// Ranges are of whole days, both ends included, whatever the hour.
func TestRangeIsOfWholeDays(t *testing.T) {
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, hk)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, now := range []time.Time{at("2026-12-01 00:30"), at("2026-12-01 15:00"), at("2026-12-01 23:59")} {
		tests := []struct {
			from, to         string
			wantFrom, wantTo time.Time
		}{
			{"today", "", at("2026-12-01 00:00"), at("2026-12-02 00:00")},
			{"2000-01-01", "today", at("2000-01-01 00:00"), at("2026-12-02 00:00")},
			{"2026-11-20", "", at("2026-11-20 00:00"), at("2026-12-02 00:00")}, // --from alone: up to now
			{"2026-11-20", "2026-11-20", at("2026-11-20 00:00"), at("2026-11-21 00:00")},
			{"yesterday", "yesterday", at("2026-11-30 00:00"), at("2026-12-01 00:00")},
			{"2026-11-01", "2026-11-30", at("2026-11-01 00:00"), at("2026-12-01 00:00")},
			{"2026-11-20 09:00", "2026-11-20 17:30", at("2026-11-20 09:00"), at("2026-11-20 17:30")},
			{"yesterday", "now", at("2026-11-30 00:00"), now},
		}
		for _, tt := range tests {
			from, to, err := cli.RangeBounds(tt.from, tt.to, hk, now)
			if err != nil || !from.Equal(tt.wantFrom) || !to.Equal(tt.wantTo) {
				t.Errorf("at %s: --from %q --to %q = %s – %s, %v; want %s – %s", now.Format("15:04"), tt.from, tt.to, from, to, err, tt.wantFrom, tt.wantTo)
			}
		}
		for _, bad := range [][2]string{{"tomorrow", ""}, {"2026-11-20", "2026-11-19"}, {"soon", ""}, {"today", "later"}} {
			if _, _, err := cli.RangeBounds(bad[0], bad[1], hk, now); err == nil {
				t.Errorf("--from %q --to %q: no error", bad[0], bad[1])
			}
		}
	}
	// --help says so.
	for _, cmd := range []string{"orders", "export"} {
		if r := qfpos(nil, cmd, "--help"); !strings.Contains(r.stdout, "both ends included") {
			t.Errorf("%s --help does not say ranges are inclusive:\n%s", cmd, r.stdout)
		}
	}
}
