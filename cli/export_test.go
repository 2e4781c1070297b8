package cli

import "time"

// ResultGraceForTest is the grace `pay --jsapi` gives its pages after the
// sale; tests shorten it.
var ResultGraceForTest = &resultGrace

// RangeBounds is what --from and --to mean at now (tests).
func RangeBounds(from, to string, loc *time.Location, now time.Time) (time.Time, time.Time, error) {
	return (&rangeFlags{from: from, to: to}).bounds(loc, now)
}
