package store

import (
	"os"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// readAhead gives the mapped file back the kernel's normal read-ahead.
// bbolt advises MADV_RANDOM, so that every page read from disk is one
// 4 KiB read; the store's reads are ranges of keys that grow with time
// (a day, a month, the time index), which lie together in the file, and a
// cold day view would wait for hundreds of single-page reads. Called by
// Open before any other transaction; a later remap (the file grew) is
// random again until the next Open. A failure only costs speed.
func readAhead(db *bolt.DB, path string) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		return
	}
	info := db.Info()
	size := uintptr(fi.Size()) &^ uintptr(info.PageSize-1)
	unix.Syscall(unix.SYS_MADVISE, info.Data, size, unix.MADV_NORMAL)
}
