//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// readAhead: only Linux is given read-ahead for range reads
// (readahead_linux.go).
type readAhead struct{}

func (*readAhead) start(*bolt.DB, *bolt.Tx) (done func()) { return func() {} }
