package store

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// crashEnv makes the test binary a child that writes orders and dies: see
// TestCrashDurability.
const crashEnv = "QFPOS_STORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashEnv); spec != "" {
		crashChild(spec)
		return
	}
	os.Exit(m.Run())
}

// withMigrations replaces the schema for a test.
func withMigrations(steps []migration) Option {
	return func(o *options) { o.migrations = steps }
}

func openTemp(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "qfpos.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func schemaOf(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v uint64
	if err := db.View(func(tx *bolt.Tx) error {
		v, err = getUint(tx.Bucket(bucketMeta), keySchema)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "qfpos.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	// Production writes must be fsynced: nothing may turn that off by default.
	if s.db.NoSync || s.db.NoGrowSync {
		t.Errorf("NoSync = %v, NoGrowSync = %v; want both false", s.db.NoSync, s.db.NoGrowSync)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want os.FileMode
	}{
		{path, 0o600},
		{filepath.Dir(path), 0o700},
		{filepath.Dir(filepath.Dir(path)), 0o700},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != c.want {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode().Perm(), c.want)
		}
	}
	if got := schemaOf(t, path); got != uint64(len(migrations)) {
		t.Errorf("schema = %d, want %d", got, len(migrations))
	}
}

func TestWithNoSync(t *testing.T) {
	s := openTemp(t, WithNoSync())
	if !s.db.NoSync {
		t.Error("WithNoSync did not turn off fsync")
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qfpos.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	s2, err := Open(path)
	took := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of a held file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("err = %v, want ErrLocked", err)
	}
	want := path + " is in use by another qfpos (close it, or set QFPOS_DB to another file)"
	if err.Error() != want {
		t.Errorf("message = %q\nwant      %q", err, want)
	}
	if took < 800*time.Millisecond || took > 5*time.Second {
		t.Errorf("gave up after %v, want about 1s", took)
	}
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qfpos.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	newer := uint64(len(migrations) + 1)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return putUint(tx.Bucket(bucketMeta), keySchema, newer) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a file from a newer schema")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("schema %d", newer)) {
		t.Errorf("message %q does not name the file's schema", err)
	}
	if got := schemaOf(t, path); got != newer {
		t.Errorf("refused file's schema changed to %d", got)
	}
}

func TestMigrationsRunOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qfpos.db")
	runs := 0
	step := migration{"test step", func(tx *bolt.Tx) error {
		runs++
		_, err := tx.CreateBucket([]byte("test_step"))
		return err // fails if the step ever runs twice
	}}
	failing := migration{"failing step", func(*bolt.Tx) error { return errors.New("boom") }}
	v2 := append(migrations[:len(migrations):len(migrations)], step)
	v2 = v2[:len(v2):len(v2)] // each case below appends to a copy

	for i, c := range []struct {
		steps      []migration
		wantErr    bool
		wantRuns   int
		wantSchema uint64
	}{
		{migrations, false, 0, uint64(len(migrations))}, // a file at the current schema
		{v2, false, 1, uint64(len(v2))},                 // upgraded: the new step runs
		{v2, false, 1, uint64(len(v2))},                 // reopened: it does not run again
		{append(v2, failing), true, 1, uint64(len(v2))}, // a failing step leaves the file as it was
		{v2[:len(v2)-1], true, 1, uint64(len(v2))},      // an older binary refuses the file
		{append(v2, step), true, 2, uint64(len(v2))},    // (the step refuses to run twice)
		{append(v2, migration{"ok", func(*bolt.Tx) error { return nil }}), false, 2, uint64(len(v2) + 1)},
	} {
		s, err := Open(path, withMigrations(c.steps))
		if err == nil {
			s.Close()
		}
		if (err != nil) != c.wantErr {
			t.Fatalf("case %d: err = %v, want error %v", i, err, c.wantErr)
		}
		if runs != c.wantRuns {
			t.Errorf("case %d: step ran %d times, want %d", i, runs, c.wantRuns)
		}
		if got := schemaOf(t, path); got != c.wantSchema {
			t.Errorf("case %d: schema %d, want %d", i, got, c.wantSchema)
		}
	}
}

// crashChild runs in a child process. spec is "mode:path". It creates
// orders and prints each out_trade_no once Create has returned, then:
// mode "self" kills itself with SIGKILL right after the first Create
// returns; mode "loop" keeps creating until the parent kills it.
func crashChild(spec string) {
	mode, path, _ := strings.Cut(spec, ":")
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		o := &Order{OutTradeNo: fmt.Sprintf("CRASH%s%06d", mode, i), Amount: 1000 + int64(i), Currency: "HKD", GoodsName: "crash test"}
		if err := s.Create(o); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(out, o.OutTradeNo)
		out.Flush()
		if mode == "self" {
			p, _ := os.FindProcess(os.Getpid())
			p.Kill() // SIGKILL: no deferred code, no Close
			select {}
		}
	}
}

// TestCrashDurability kills a process that is writing orders and checks
// that every order whose Create had returned is in the file. (A process
// kill leaves the page cache to the kernel; that fsync also happens is
// checked by TestOpenCreatesPrivateFile, as bbolt's NoSync being off.)
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, mode := range []string{"self", "loop"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "qfpos.db")
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashEnv+"="+mode+":"+path)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var created []string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				created = append(created, sc.Text())
				if mode == "loop" && len(created) == 20 {
					cmd.Process.Kill()
				}
			}
			err = cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("child: %v (stderr %q), want it killed", err, stderr.String())
			}
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && runtime.GOOS != "windows" && (!ws.Signaled() || ws.Signal() != syscall.SIGKILL) {
				t.Fatalf("child ended with %v (stderr %q), want SIGKILL", err, stderr.String())
			}
			if len(created) == 0 {
				t.Fatalf("child created nothing (stderr %q)", stderr.String())
			}
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, no := range created {
				o, err := s.Get(no)
				if err != nil {
					t.Errorf("order %s created before the kill: %v", no, err)
					continue
				}
				if o.State != StateCreating || o.Currency != "HKD" {
					t.Errorf("order %s read back as %+v", no, o)
				}
			}
			if n, err := s.Count(); err != nil || n < len(created) {
				t.Errorf("Count = %d, %v; want at least %d", n, err, len(created))
			}
			s.db.View(func(tx *bolt.Tx) error {
				for err := range tx.Check() {
					t.Errorf("file check after the kill: %v", err)
				}
				return nil
			})
			checkIndexes(t, s)
		})
	}
}
