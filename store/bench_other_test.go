//go:build !linux

package store

import "testing"

func dropCache(tb testing.TB, _ string) {
	tb.Skip("cold runs drop the file from the page cache with posix_fadvise: Linux only")
}
