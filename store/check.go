package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged: the file is not a whole order file (truncated, overwritten,
// or not an order file at all). Nothing is written to it.
var ErrDamaged = errors.New("store: order file damaged")

// damagedError names the file and what is wrong with it.
type damagedError struct {
	path, why string
}

func (e *damagedError) Error() string {
	return e.path + " is damaged (" + e.why + "): nothing was changed; restore it from a backup, or set db (QFPOS_DB) to another file"
}

func (e *damagedError) Unwrap() error { return ErrDamaged }

// guard runs f and turns what a damaged file does to bbolt into a
// *damagedError for path: a panic (bbolt panics on a page it cannot make
// sense of) and a fault on the mapped file (SIGBUS when the file is
// shorter than its pages, which Go raises as a panic while
// SetPanicOnFault is on). checkFile catches a cut file and a bad header
// before bbolt maps it; this catches damage in the middle, wherever it is
// read. Nothing is written after it: the transaction is rolled back.
func guard(path string, f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &damagedError{path: path, why: fmt.Sprintf("unreadable page: %v", r)}
		}
	}()
	return f()
}

// view and update are bbolt's View and Update under guard.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.View(fn) })
}

func (s *Store) update(fn func(*bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.Update(fn) })
}

// The parts of bbolt's file format checkFile reads. Page 0 and page 1 are
// meta pages: a 16-byte page header, then the meta, in the machine's byte
// order (bbolt writes its structs as they lie in memory).
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	metaSize       = 64 // magic … txid, then the checksum (FNV-64a of the 56 bytes before it)
	noFreelist     = ^uint64(0)
)

// boltMeta is the part of a meta page checkFile needs.
type boltMeta struct {
	pageSize       uint64
	root, freelist uint64
	pgid           uint64 // high-water mark: pages 0 … pgid-1 are in the file
	txid           uint64
}

// readMeta reads and verifies the meta page at off; ok is false when it is
// missing, not a bbolt meta, of another version or fails its checksum.
func readMeta(f *os.File, off int64) (m boltMeta, ok bool) {
	buf := make([]byte, pageHeaderSize+metaSize)
	if n, _ := f.ReadAt(buf, off); n != len(buf) { // a short read says why in its error
		return m, false
	}
	b := buf[pageHeaderSize:]
	e := binary.NativeEndian
	if e.Uint32(b[0:]) != boltMagic || e.Uint32(b[4:]) != boltVersion {
		return m, false
	}
	h := fnv.New64a()
	h.Write(b[:56])
	if h.Sum64() != e.Uint64(b[56:]) {
		return m, false
	}
	return boltMeta{
		pageSize: uint64(e.Uint32(b[8:])),
		root:     e.Uint64(b[16:]),
		freelist: e.Uint64(b[32:]),
		pgid:     e.Uint64(b[40:]),
		txid:     e.Uint64(b[48:]),
	}, true
}

// checkFile checks an existing order file against its meta pages before
// bbolt maps it: bbolt maps the file past its end and reads the pages its
// meta names, so a truncated file would crash the process with SIGBUS.
//
// It takes the meta bbolt would (the valid one with the higher txid; a
// meta page with a bad checksum alone is what a crash during a commit
// leaves, and bbolt falls back to the other) and requires the file to
// hold every page up to that meta's high-water mark. bbolt grows the file
// before it writes a meta, so this holds for a file another process is
// writing too. A missing or empty file is a new one.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	bad := func(format string, args ...any) error {
		return &damagedError{path: path, why: fmt.Sprintf(format, args...)}
	}
	m0, ok0 := readMeta(f, 0)
	var m1 boltMeta
	var ok1 bool
	if ok0 {
		m1, ok1 = readMeta(f, int64(m0.pageSize))
	} else {
		// Page 0 is unreadable, so its page size is unknown: try the
		// sizes bbolt tries.
		for i := 0; i <= 14 && !ok1; i++ {
			m1, ok1 = readMeta(f, 1024<<i)
		}
	}
	m := m0
	switch {
	case !ok0 && !ok1:
		return bad("no valid header: not an order file, or overwritten")
	case !ok0, ok1 && m1.txid > m0.txid:
		m = m1
	}
	if m.pageSize < 512 || m.pageSize > 1<<24 || m.pageSize&(m.pageSize-1) != 0 {
		return bad("header gives page size %d", m.pageSize)
	}
	if m.pgid < 2 {
		return bad("header gives %d pages", m.pgid)
	}
	if m.root >= m.pgid || m.freelist >= m.pgid && m.freelist != noFreelist {
		return bad("header points past its own end")
	}
	if uint64(size)/m.pageSize < m.pgid { // size < pgid × pageSize, without overflow
		return bad("%d bytes, its header says %d pages of %d: truncated", size, m.pgid, m.pageSize)
	}
	return nil
}
