package store

import (
	"sync"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// readAhead gives the mapped file the kernel's normal read-ahead while a
// long read of a range runs (a search, the exports), and takes it back
// after. bbolt advises MADV_RANDOM, so that every page read from disk is
// one 4 KiB read: right for scattered reads such as start-up recovery's
// (with read-ahead it would pull most of a large file into memory), but a
// cold day view or search, which read keys that lie together in the file,
// would wait for hundreds of single-page reads. The advice covers the
// whole map, so it is counted: it goes back to random when the last range
// read ends. Call it inside the read's transaction (which keeps bbolt from
// remapping meanwhile) and call done before the transaction ends. A
// failure only costs speed.
type readAhead struct {
	mu         sync.Mutex
	n          int
	data, size uintptr
}

func (r *readAhead) start(db *bolt.DB, tx *bolt.Tx) (done func()) {
	r.mu.Lock()
	if r.n == 0 {
		info := db.Info()
		r.data, r.size = info.Data, uintptr(tx.Size())&^uintptr(info.PageSize-1)
		unix.Syscall(unix.SYS_MADVISE, r.data, r.size, unix.MADV_NORMAL)
	}
	r.n++
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		if r.n--; r.n == 0 {
			unix.Syscall(unix.SYS_MADVISE, r.data, r.size, unix.MADV_RANDOM)
		}
		r.mu.Unlock()
	}
}
