//go:build !linux

package store

import (
	"testing"
	"time"
)

func dropCache(tb testing.TB, _ string) {
	tb.Skip("cold runs drop the file from the page cache with posix_fadvise: Linux only")
}

// cpuTime is 0 (not measured) off Linux.
func cpuTime() time.Duration { return 0 }
