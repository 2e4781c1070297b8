package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The search index (schema 3) lets List find an out_trade_no fragment
// without walking the time index entry by entry: bucket "numbers" holds
// the by_time keys in blocks of up to blockMax, keyed by each block's
// first by_time key. A block is
//
//	byte     1, or 2 when the block also holds the numbers folded
//	uvarint  count
//	count × the 8-byte time prefix of each by_time key
//	text     each out_trade_no followed by '\n'
//	folded   (format 2 only) text with a…z made upper case
//
// so a search is one bytes.Index over each block's text: the fragment is
// folded once, and the numbers too when they are written. Orders are
// never deleted and never change number or time, so an entry is only
// ever inserted, when its order is created.
var bucketNumbers = []byte("numbers")

const blockMax = 128

var errCorruptBlock = errors.New("store: corrupt search block")

// block is a decoded block: its by_time keys, in order.
type block [][]byte

func decodeBlock(v []byte) (block, error) {
	bad := errCorruptBlock
	if len(v) < 2 || v[0] != 1 && v[0] != 2 {
		return nil, bad
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || n > uint64(len(v)-1-k)/8 {
		return nil, bad
	}
	times := v[1+k:]
	text := times[8*n:]
	if v[0] == 2 {
		text = text[:len(text)/2]
	}
	b := make(block, 0, n+1)
	for i := range int(n) {
		end := bytes.IndexByte(text, '\n')
		if end < 0 {
			return nil, bad
		}
		key := make([]byte, 0, 8+end)
		b = append(b, append(append(key, times[8*i:8*i+8]...), text[:end]...))
		text = text[end+1:]
	}
	return b, nil
}

func (b block) encode() []byte {
	size, lower := 1+binary.MaxVarintLen64, false
	for _, k := range b {
		size += len(k) + 1
		lower = lower || hasLower(k[8:])
	}
	out := make([]byte, 0, size*2)
	out = append(out, 1)
	if lower {
		out[0] = 2
	}
	out = binary.AppendUvarint(out, uint64(len(b)))
	for _, k := range b {
		out = append(out, k[:8]...)
	}
	start := len(out)
	for _, k := range b {
		out = append(append(out, k[8:]...), '\n')
	}
	if lower {
		for _, c := range out[start:] {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
		}
	}
	return out
}

func hasLower(no []byte) bool {
	for _, c := range no {
		if 'a' <= c && c <= 'z' {
			return true
		}
	}
	return false
}

// indexNumber adds the by_time key of a new order to the search index.
func indexNumber(tx *bolt.Tx, key []byte) error {
	nb := tx.Bucket(bucketNumbers)
	nb.FillPercent = fillPercent
	c := nb.Cursor()
	bk, bv := c.Seek(key)
	if bk == nil || !bytes.Equal(bk, key) {
		if bk == nil {
			bk, bv = c.Last()
		} else {
			bk, bv = c.Prev()
		}
	}
	if bk == nil { // before every block, or none yet
		if bk, bv = c.First(); bk == nil {
			return nb.Put(bytes.Clone(key), block{key}.encode())
		}
	}
	last := false
	if nk, _ := c.Next(); nk == nil {
		last = true
	}
	// The common case, a new last entry, without decoding the block.
	if v, ok := appendEntry(bv, key); ok && blockLen(v) <= blockMax {
		return nb.Put(bytes.Clone(bk), v)
	}
	bk = bytes.Clone(bk)
	b, err := decodeBlock(bv)
	if err != nil {
		return err
	}
	i, found := slicesBinarySearch(b, key)
	if found {
		return nil
	}
	if i == len(b) && len(b) >= blockMax && last { // appending: a new block
		return nb.Put(bytes.Clone(key), block{key}.encode())
	}
	b = append(b, nil)
	copy(b[i+1:], b[i:])
	b[i] = key
	if i == 0 { // a new first key: the block moves
		if err := nb.Delete(bk); err != nil {
			return err
		}
		bk = bytes.Clone(key)
	}
	if len(b) <= blockMax {
		return nb.Put(bk, b.encode())
	}
	half := len(b) / 2
	if err := nb.Put(bk, b[:half].encode()); err != nil {
		return err
	}
	return nb.Put(bytes.Clone(b[half][:len(b[half]):len(b[half])]), b[half:].encode())
}

// blockLen is the number of entries of a well-formed block.
func blockLen(v []byte) int {
	n, _ := binary.Uvarint(v[1:])
	return int(n)
}

// appendEntry returns block v with key added as its last entry, if key
// sorts after every entry of v (and v reads); it leaves v as it is.
func appendEntry(v, key []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != 1 && v[0] != 2 {
		return nil, false
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || n == 0 || n > uint64(len(v)-1-k)/8 {
		return nil, false
	}
	times, text := v[1+k:1+k+8*int(n)], v[1+k+8*int(n):]
	if v[0] == 2 {
		text = text[:len(text)/2]
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, false
	}
	lastNo := text[bytes.LastIndexByte(text[:len(text)-1], '\n')+1 : len(text)-1]
	if c := bytes.Compare(times[len(times)-8:], key[:8]); c > 0 || c == 0 && bytes.Compare(lastNo, key[8:]) >= 0 {
		return nil, false
	}
	no := key[8:]
	lower := v[0] == 2 || hasLower(no)
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(times)+8+2*(len(text)+len(no)+1))
	out = append(out, 1)
	if lower {
		out[0] = 2
	}
	out = binary.AppendUvarint(out, n+1)
	out = append(append(out, times...), key[:8]...)
	start := len(out)
	out = append(append(append(out, text...), no...), '\n')
	if lower {
		for _, c := range out[start:] {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
		}
	}
	return out, true
}

func slicesBinarySearch(b block, key []byte) (int, bool) {
	lo, hi := 0, len(b)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(b[m], key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(b) && bytes.Equal(b[lo], key)
}

// buildNumbers fills the search index from the time index (migration 3).
func buildNumbers(tx *bolt.Tx) error {
	nb, err := tx.CreateBucketIfNotExists(bucketNumbers)
	if err != nil {
		return err
	}
	nb.FillPercent = 1 // filled in key order
	var b block
	flush := func() error {
		if len(b) == 0 {
			return nil
		}
		err := nb.Put(b[0], b.encode())
		b = nil
		return err
	}
	err = tx.Bucket(bucketByTime).ForEach(func(k, _ []byte) error {
		b = append(b, bytes.Clone(k))
		if len(b) == blockMax {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// searchIndex calls fn, newest first, with each by_time entry in [from, to),
// before after when that is set (as scan does, desc), whose number m
// matches. It reads the search index, and by_time only for the matches.
func searchIndex(tx *bolt.Tx, m *matcher, from, to []byte, after []byte, fn func(k, v []byte) (bool, error)) error {
	if m.none {
		return nil
	}
	start := to
	if after != nil && (start == nil || bytes.Compare(after, start) < 0) {
		start = after
	}
	byTime := tx.Bucket(bucketByTime)
	c := tx.Bucket(bucketNumbers).Cursor()
	var bk, bv []byte
	if start == nil {
		bk, bv = c.Last()
	} else if bk, _ = c.Seek(start); bk == nil {
		bk, bv = c.Last()
	} else {
		bk, bv = c.Prev()
	}
	var hits []int // offsets in text of the numbers that match
	anchor := -1   // the byte of the fragment to look for first
	for ; bk != nil; bk, bv = c.Prev() {
		if len(bv) < 2 || bv[0] != 1 && bv[0] != 2 {
			return fmt.Errorf("store: corrupt search block %x", bk)
		}
		n, k := binary.Uvarint(bv[1:])
		if k <= 0 || n > uint64(len(bv)-1-k)/8 {
			return fmt.Errorf("store: corrupt search block %x", bk)
		}
		times := bv[1+k:]
		text := times[8*n:]
		folded := text
		if bv[0] == 2 {
			text, folded = text[:len(text)/2], text[len(text)/2:]
		}
		if anchor < 0 {
			anchor = rarest(m.upper, folded)
		}
		hits = hits[:0]
		for off := 0; ; {
			p := index(folded, off, m.upper, anchor)
			if p < 0 {
				break
			}
			begin := bytes.LastIndexByte(folded[:p], '\n') + 1
			hits = append(hits, begin)
			end := bytes.IndexByte(folded[p:], '\n')
			if end < 0 {
				return fmt.Errorf("store: corrupt search block %x", bk)
			}
			off = p + end + 1
		}
		if len(hits) == 0 {
			if from != nil && bytes.Compare(bk, from) < 0 {
				return nil
			}
			continue
		}
		// The entry index of each hit, counting the newlines before it.
		idx, counted, at := make([]int, len(hits)), 0, 0
		for j, h := range hits {
			counted += bytes.Count(text[at:h], []byte{'\n'})
			at = h
			idx[j] = counted
		}
		key := make([]byte, 0, 8+MaxOutTradeNo)
		for j := len(hits) - 1; j >= 0; j-- {
			i := idx[j]
			if uint64(i) >= n {
				return fmt.Errorf("store: corrupt search block %x", bk)
			}
			end := hits[j] + bytes.IndexByte(text[hits[j]:], '\n')
			key = append(append(key[:0], times[8*i:8*i+8]...), text[hits[j]:end]...)
			if start != nil && bytes.Compare(key, start) >= 0 {
				continue
			}
			if from != nil && bytes.Compare(key, from) < 0 {
				return nil
			}
			v := byTime.Get(key)
			if v == nil {
				return fmt.Errorf("store: search index names %q, not in the time index", key[8:])
			}
			if more, err := fn(key, v); !more || err != nil {
				return err
			}
		}
		if from != nil && bytes.Compare(bk, from) < 0 {
			return nil
		}
	}
	return nil
}

// rarest is the position in fragment of its byte that is least frequent
// in sample: numbers share prefixes and date digits, and looking for a
// byte that comes every 70 bytes rather than every 10 halves a search.
func rarest(fragment, sample []byte) int {
	var count [256]int
	for _, c := range sample {
		count[c]++
	}
	best := 0
	for i, c := range fragment {
		if count[c] < count[fragment[best]] {
			best = i
		}
	}
	return best
}

// index is the first position at or after off where fragment is in text,
// found by looking for its byte at anchor; -1 if none.
func index(text []byte, off int, fragment []byte, anchor int) int {
	c := fragment[anchor]
	for off+len(fragment) <= len(text) {
		i := bytes.IndexByte(text[off+anchor:len(text)-len(fragment)+anchor+1], c)
		if i < 0 {
			return -1
		}
		p := off + i
		if bytes.Equal(text[p:p+len(fragment)], fragment) {
			return p
		}
		off = p + 1
	}
	return -1
}
