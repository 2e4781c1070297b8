// Package store is the order log of qfpos: every order, its refunds and its
// history, kept in one bbolt file.
//
// Money rule: Create and Update return only once the change is committed and
// fsynced, so the app saves an order before it calls QFPay and can always
// find it again after a crash. Every change goes through Update, one
// read-modify-write transaction that also keeps the indexes right.
//
// Day views (List, Totals, HourlyPaid, ExportCSV) read a time index by range;
// none of them loads the whole file. A Store is safe for concurrent use.
//
// # On-disk layout (schema 3)
//
//	meta     "schema" → uint64 big-endian schema version (= number of migrations run)
//	         "count"  → uint64 big-endian number of orders
//	         "identity" → the file's Identity as JSON: sandbox, or live with
//	                    base URL and app code (written since identities; no
//	                    schema step, so older qfpos still open the file)
//	         "recode" → while the migration to schema 2 runs: the
//	                    out_trade_no it goes on from (see recode)
//	orders   out_trade_no → the Order in the binary form of codec.go (schema
//	         1: as JSON, under the tags on Order)
//	by_time  8-byte big-endian CreatedAt.UnixNano with the sign bit flipped,
//	         then out_trade_no → summary
//	open     out_trade_no → empty, for every order where Order.Pending is true
//	refunds  refund out_trade_no → out_trade_no of the order holding it
//	numbers  the search index (schema 3): the by_time keys in blocks, each
//	         holding its numbers as text for List's search (see search.go)
//
// A summary is what Totals, HourlyPaid and List's filters need without
// decoding the order: byte 1 (its format), txamt and refunded amount as
// big-endian int64, then the state and the currency, each as a length byte
// and its bytes.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors the store returns, always wrapped with detail: test them with
// errors.Is.
var (
	// ErrNotFound: no order (or refund) has that out_trade_no.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: the out_trade_no is already used by an order or a refund.
	ErrExists = errors.New("store: out_trade_no already used")
	// ErrLocked: another process (or another Open in this one) holds the file.
	ErrLocked = errors.New("store: file in use")
	// ErrSchemaTooNew: the file was written by a newer qfpos than this one.
	ErrSchemaTooNew = errors.New("store: file is from a newer qfpos")
	// ErrInvalid: an order, refund, out_trade_no or cursor the store refuses.
	ErrInvalid = errors.New("store: invalid")
)

// Bucket names.
var (
	bucketMeta    = []byte("meta")
	bucketOrders  = []byte("orders")
	bucketByTime  = []byte("by_time")
	bucketOpen    = []byte("open")
	bucketRefunds = []byte("refunds")

	allBuckets = [][]byte{bucketMeta, bucketOrders, bucketByTime, bucketOpen, bucketRefunds}

	keySchema = []byte("schema")
	keyCount  = []byte("count")
	keyRecode = []byte("recode")
)

// A migration is one step of the schema. The schema version of a file is
// the number of steps it has been through; steps run in order, all the
// pending ones in the single transaction of Open. Never edit or reorder a
// step once released: append a new one.
type migration struct {
	name string
	up   func(tx *bolt.Tx) error
}

// migrations is the schema this binary knows; len(migrations) is its version.
var migrations = []migration{
	{"create orders, by_time, open and refunds", func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	}},
	{"orders in the binary form of codec.go", func(tx *bolt.Tx) error {
		// The orders are rewritten by recode after this transaction, a
		// chunk per transaction, so that a large file is not rewritten in
		// one; until then decode reads both forms.
		if k, _ := tx.Bucket(bucketOrders).Cursor().First(); k == nil {
			return nil
		}
		return tx.Bucket(bucketMeta).Put(keyRecode, []byte{})
	}},
	{"the search index (search.go)", buildNumbers},
}

// recodeChunk is how many orders recode rewrites per transaction.
var recodeChunk = 10000

// recode rewrites the orders still held as JSON in the binary form, from
// the key meta "recode" holds, recodeChunk orders per transaction, moving
// that key on after each; it deletes it once done. A recode cut short (a
// crash) goes on at the next Open: the orders read the same in either form.
func recode(db *bolt.DB) error {
	done := true
	db.View(func(tx *bolt.Tx) error {
		done = tx.Bucket(bucketMeta).Get(keyRecode) == nil
		return nil
	})
	for !done {
		err := db.Update(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			from := meta.Get(keyRecode)
			if from == nil {
				done = true
				return nil
			}
			orders := tx.Bucket(bucketOrders)
			orders.FillPercent = fillPercent
			type kv struct{ k, v []byte }
			var batch []kv
			c := orders.Cursor()
			k, v := c.Seek(from)
			for ; k != nil && len(batch) < recodeChunk; k, v = c.Next() {
				if len(v) > 0 && v[0] == '{' {
					o, err := decode(v)
					if err != nil {
						return fmt.Errorf("order %s: %w", k, err)
					}
					batch = append(batch, kv{bytes.Clone(k), encodeOrder(nil, o)})
				}
			}
			var next []byte
			if k != nil {
				next = bytes.Clone(k)
			}
			for _, e := range batch {
				if err := orders.Put(e.k, e.v); err != nil {
					return err
				}
			}
			if next == nil {
				done = true
				return meta.Delete(keyRecode)
			}
			return meta.Put(keyRecode, next)
		})
		if err != nil {
			return fmt.Errorf("store: rewriting orders in the new form: %w", err)
		}
	}
	return nil
}

// Store is an open order log. Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
	ra   readAhead // for reads of ranges (readahead_linux.go)
}

type options struct {
	noSync     bool
	migrations []migration
	want       *Identity // WithIdentity; nil: no check
	legacy     Identity
}

// Option changes how Open opens the file.
type Option func(*options)

// WithNoSync turns off fsync on commit. It is for benchmarks and bulk tests
// only and must never be used in production: an order could then be lost
// in a power cut after the app had already asked QFPay for the payment.
func WithNoSync() Option {
	return func(o *options) { o.noSync = true }
}

// lockedError is returned when the file's lock is held elsewhere.
type lockedError struct{ path string }

func (e *lockedError) Error() string {
	return e.path + " is in use by another qfpos (close it, or set QFPOS_DB to another file)"
}

func (e *lockedError) Unwrap() error { return ErrLocked }

// Open opens the order log at path, creating it (mode 0600, in a directory
// created with mode 0700) if needed, and brings its schema up to date.
//
// If another process holds the file, Open gives up after a second with an
// error wrapping ErrLocked that tells the user what to do. A file written by
// a newer qfpos is refused with ErrSchemaTooNew and left untouched, and so
// is a file of another identity (see WithIdentity) with ErrIdentity.
//
// A file that is not whole (truncated, overwritten, not an order file) is
// refused with ErrDamaged before it is mapped or written: see checkFile.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{migrations: migrations}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	var db *bolt.DB
	err := guard(path, func() (err error) {
		db, err = bolt.Open(path, 0o600, &bolt.Options{
			Timeout: time.Second,
			// The map freelist stays fast when a large file has many free
			// pages. The freelist is synced on commit (the default): with
			// NoFreelistSync every Open would walk the whole file to rebuild it.
			FreelistType: bolt.FreelistMapType,
			NoSync:       o.noSync,
		})
		return err
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &lockedError{path: path}
	}
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrChecksum) {
		return nil, &damagedError{path: path, why: err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// A file that is up to date is only read: opening never rewrites it.
	fresh := false
	err = guard(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			fresh = upToDate(tx, &o)
			return nil
		})
	})
	if err == nil && !fresh {
		err = guard(path, func() error {
			return db.Update(func(tx *bolt.Tx) error {
				if err := checkIdentity(tx, path, o.want, o.legacy); err != nil {
					return err
				}
				return setup(tx, o.migrations)
			})
		})
	}
	if err == nil {
		err = guard(path, func() error { return recode(db) })
	}
	if err != nil {
		db.Close()
		var ie *IdentityError
		var de *damagedError
		if errors.As(err, &ie) || errors.As(err, &de) {
			return nil, err // one line that names the file already
		}
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// upToDate tells whether the file needs nothing from Open's transaction:
// its schema is current and its identity is want's. When it is false that
// transaction runs, and refuses what must be refused.
func upToDate(tx *bolt.Tx, o *options) bool {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return false
	}
	if have, err := getUint(meta, keySchema); err != nil || have != uint64(len(o.migrations)) {
		return false
	}
	if o.want == nil {
		return true
	}
	v := meta.Get(keyIdentity)
	var have Identity
	return v != nil && json.Unmarshal(v, &have) == nil && have.Same(*o.want)
}

// setup checks the schema version and runs the pending migrations, in the
// one transaction of Open. Buckets are created by migrations, so every
// bucket of the current schema exists once setup returns.
func setup(tx *bolt.Tx, steps []migration) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	have, err := getUint(meta, keySchema)
	if err != nil {
		return err
	}
	if have > uint64(len(steps)) {
		return fmt.Errorf("%w: schema %d, this qfpos knows up to %d (update qfpos, or set QFPOS_DB to another file)",
			ErrSchemaTooNew, have, len(steps))
	}
	for i := have; i < uint64(len(steps)); i++ {
		if err := steps[i].up(tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", i+1, steps[i].name, err)
		}
	}
	if have != uint64(len(steps)) {
		return putUint(meta, keySchema, uint64(len(steps)))
	}
	return nil
}

// Close closes the file, waiting for transactions in progress.
func (s *Store) Close() error {
	return s.db.Close()
}

// Path is the file the store was opened from.
func (s *Store) Path() string {
	return s.path
}

// Count is the number of orders in the store.
func (s *Store) Count() (int, error) {
	var n uint64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = getUint(tx.Bucket(bucketMeta), keyCount)
		return err
	})
	return int(n), err
}

// getUint reads a big-endian uint64; a missing key reads as 0.
func getUint(b *bolt.Bucket, key []byte) (uint64, error) {
	v := b.Get(key)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("store: meta %s is %d bytes, want 8", key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func putUint(b *bolt.Bucket, key []byte, n uint64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(nil, n))
}
