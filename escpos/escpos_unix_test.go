//go:build !windows

package escpos

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDeviceThatBlocks: a device nobody reads (a FIFO without a reader
// blocks its writer) fails the job at its timeout instead of hanging.
func TestDeviceThatBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip(err)
	}
	old := JobTimeout
	JobTimeout = 200 * time.Millisecond
	defer func() { JobTimeout = old }()
	err := Print(context.Background(), path, []byte("x"))
	if !errors.Is(err, ErrNoAnswer) {
		t.Errorf("blocked device: %v", err)
	}
	// Unblock the writer left behind.
	if f, err := os.OpenFile(path, os.O_RDONLY, 0); err == nil {
		f.Close()
	}
}

func TestCUPS(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script := "#!/bin/sh\necho \"$@\" > " + out + ".args\ncat > " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, "lp"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := Print(context.Background(), "cups:receipts", []byte("data")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	args, _ := os.ReadFile(out + ".args")
	if string(b) != "data" || strings.TrimSpace(string(args)) != "-d receipts -o raw -s -" {
		t.Errorf("lp got %q with %q", b, args)
	}
	if err := os.WriteFile(filepath.Join(dir, "lp"), []byte("#!/bin/sh\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Print(context.Background(), "cups:gone", []byte("data"))
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("failing lp: %v", err)
	}
}
