//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// readAhead: only Linux is given back its read-ahead (readahead_linux.go).
func readAhead(*bolt.DB, string) {}
