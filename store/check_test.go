package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A damaged file is refused with ErrDamaged before bbolt maps it: no
// SIGBUS, no panic, and not a byte written.
func TestOpenDamaged(t *testing.T) {
	// A real file with orders, big enough to have pages past the first few.
	src, good := filledFile(t)
	// The pages in use end at the header's high-water mark; bbolt keeps
	// some room after it.
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := readMeta(f, 0)
	f.Close()
	if !ok {
		t.Fatal("test file's header does not read")
	}
	ps := int(m.pageSize) // bbolt's page size is the OS's
	end := int(m.pgid) * ps
	if m.pgid < 8 || len(good) < end {
		t.Fatalf("test file: %d bytes, header %+v", len(good), m)
	}
	zeroed := func(from, to int) []byte {
		b := append([]byte(nil), good...)
		clear(b[from:to])
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		why  string
	}{
		{"truncated to 8192", good[:8192], "truncated"},
		{"truncated to one page", good[:ps], "truncated"},
		{"truncated to 3 pages", good[:3*ps], "truncated"},
		{"last page in use cut off", good[:end-ps], "truncated"},
		{"one byte short of the pages in use", good[:end-1], "truncated"},
		{"truncated to 100 bytes", good[:100], "truncated"},
		{"truncated to 10 bytes", good[:10], "no valid header"},
		{"not an order file", []byte(strings.Repeat("qfpos ", 4000)), "no valid header"},
		{"both headers zeroed", zeroed(0, 2*ps), "no valid header"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "orders.db")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, WithIdentity(Sandbox(), Identity{}))
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a damaged file")
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("err = %v, want ErrDamaged", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+" is damaged (") || !strings.Contains(msg, c.why) || strings.Contains(msg, "\n") {
				t.Errorf("message %q: want one line naming the file and %q", msg, c.why)
			}
			if after, _ := os.ReadFile(path); string(after) != string(c.data) {
				t.Error("Open wrote to a damaged file")
			}
		})
	}

	// What a crash in the middle of a commit can leave, one meta page
	// torn, still opens: bbolt falls back to the other. So does a file cut
	// right after the pages in use.
	for name, data := range map[string][]byte{
		"meta page 0 torn":           zeroed(16, 80),
		"meta page 1 torn":           zeroed(ps+16, ps+80),
		"cut after the pages in use": good[:end],
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "orders.db")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, WithIdentity(Sandbox(), Identity{}))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if n, err := s.Count(); err != nil || n == 0 {
				t.Errorf("Count = %d, %v", n, err)
			}
		})
	}
}

// A file that is missing or empty is a new one.
func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// A file damaged in the middle passes the header check, but whatever
// bbolt then does with the broken pages — panic, or fault on the mapped
// file — comes back as ErrDamaged from Open or the read, never a crash.
func TestDamagedInTheMiddle(t *testing.T) {
	_, good := filledFile(t)
	ps := os.Getpagesize()
	for _, fill := range []byte{0x00, 0xff, 0x5a} {
		bad := append([]byte(nil), good...)
		for i := 2 * ps; i < len(bad); i++ { // every page but the two meta pages
			bad[i] = fill ^ byte(i)
		}
		path := filepath.Join(t.TempDir(), "orders.db")
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, WithIdentity(Sandbox(), Identity{}))
		if err == nil {
			_, _, err = s.List(ListQuery{From: t0.Add(-time.Hour), To: t0.Add(24 * time.Hour), Limit: 500})
			if err == nil {
				_, err = s.Get("o0150")
			}
			s.Close()
		}
		if err == nil {
			t.Errorf("fill %#x: a file with every data page overwritten read as good", fill)
			continue
		}
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("fill %#x: %v, want ErrDamaged", fill, err)
		}
		if strings.Count(err.Error(), "\n") != 0 {
			t.Errorf("fill %#x: error of more than one line: %q", fill, err)
		}
	}
}

// filledFile is a real sandbox order file with 300 orders, big enough to
// have pages past the first few: its path and its bytes.
func filledFile(t *testing.T) (string, []byte) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "orders.db")
	s, err := Open(src, WithIdentity(Sandbox(), Identity{}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		mustCreate(t, s, newOrder(fmt.Sprintf("o%04d", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	s.Close()
	good, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	return src, good
}
