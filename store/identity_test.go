package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestIdentity(t *testing.T) {
	live := Live("https://openapi-hk.qfapi.com", "ABCDEF0123456789")
	other := Live("https://openapi-hk.qfapi.com", "FFFF000011112222")
	test := Live("https://test-openapi-hk.qfapi.com", "ABCDEF0123456789")
	type open struct {
		want, legacy Identity
		err          string // "" opens; else the refusal's message after the path
	}
	for _, c := range []struct {
		name   string
		create *Identity // nil: made before identities (no WithIdentity)
		opens  []open
		final  Identity // what the file says at the end
	}{
		{"sandbox file, live qfpos", &Identity{Sandbox: true}, []open{
			{want: live, err: " is a sandbox order file; this qfpos is live (https://openapi-hk.qfapi.com, app ABCDEF01…): set db (QFPOS_DB) to another file"},
			{want: Sandbox()},
		}, Sandbox()},
		{"live file, sandbox qfpos", &live, []open{
			{want: Sandbox(), err: " is a live order file (https://openapi-hk.qfapi.com, app ABCDEF01…); this qfpos is sandbox: set db (QFPOS_DB) to another file"},
			{want: Live("https://openapi-hk.qfapi.com/", "ABCDEF0123456789")},
		}, live},
		{"live file, other app code", &live, []open{
			{want: other, err: " is a live order file (https://openapi-hk.qfapi.com, app ABCDEF01…); this qfpos is live (https://openapi-hk.qfapi.com, app FFFF0000…): set db (QFPOS_DB) to another file"},
		}, live},
		{"live file, other base URL", &live, []open{
			{want: test, err: "; this qfpos is live (https://test-openapi-hk.qfapi.com, app ABCDEF01…)"},
		}, live},
		{"legacy default sandbox file", nil, []open{
			{want: live, legacy: Sandbox(), err: " is a sandbox order file (made by an older qfpos); this qfpos is live"},
			{want: Sandbox(), legacy: Sandbox()},
			{want: live, legacy: Sandbox(), err: " is a sandbox order file; this qfpos is live"},
		}, Sandbox()},
		{"legacy file adopted as live", nil, []open{
			{want: live, legacy: live},
			{want: Sandbox(), legacy: Live("", ""), err: " is a live order file (https://openapi-hk.qfapi.com, app ABCDEF01…); this qfpos is sandbox"},
			{want: other, legacy: other, err: "; this qfpos is live (https://openapi-hk.qfapi.com, app FFFF0000…)"},
		}, live},
		{"legacy file, sandbox qfpos, not the default file", nil, []open{
			{want: Sandbox(), legacy: Live("", ""), err: " is a live order file (made by an older qfpos); this qfpos is sandbox: set db (QFPOS_DB) to another file"},
			{want: live, legacy: live},
		}, live},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "orders.db")
			var opts []Option
			if c.create != nil {
				opts = append(opts, WithIdentity(*c.create, Identity{}))
			}
			s, err := Open(path, opts...)
			if err != nil {
				t.Fatal(err)
			}
			mustCreate(t, s, newOrder("o1", t0))
			s.Close()
			for i, o := range c.opens {
				before, err := os.ReadFile(path)
				if err != nil || len(before) == 0 {
					t.Fatalf("open %d: the file before: %d bytes, %v", i, len(before), err)
				}
				s, err := Open(path, WithIdentity(o.want, o.legacy))
				if o.err == "" {
					if err != nil {
						t.Fatalf("open %d: %v", i, err)
					}
					if got, ok, err := s.Identity(); err != nil || !ok || !got.Same(o.want) {
						t.Errorf("open %d: file says %v %v %v, want %v", i, got, ok, err, o.want)
					}
					if _, err := s.Get("o1"); err != nil {
						t.Errorf("open %d: %v", i, err)
					}
					s.Close()
					continue
				}
				if err == nil {
					s.Close()
					t.Fatalf("open %d as %v: opened, want refused", i, o.want)
				}
				var ie *IdentityError
				if !errors.Is(err, ErrIdentity) || !errors.As(err, &ie) {
					t.Fatalf("open %d: err = %v, want an *IdentityError", i, err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, path+" is ") || !strings.Contains(msg, o.err) || strings.Contains(msg, "\n") {
					t.Errorf("open %d: message %q\nwant %q after the path", i, msg, o.err)
				}
				if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
					t.Errorf("open %d: a refused file was changed", i)
				}
			}
			s, err = Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got, ok, _ := s.Identity(); !ok || got != c.final {
				t.Errorf("file's identity = %+v (%v), want %+v", got, ok, c.final)
			}
		})
	}
}

// The identity is plain JSON in the meta bucket: base URL and app code,
// nothing else.
func TestIdentityOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.db")
	s, err := Open(path, WithIdentity(Live("https://openapi-hk.qfapi.com", "APPCODE"), Identity{}))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyIdentity)
		if want := `{"sandbox":false,"base_url":"https://openapi-hk.qfapi.com","app_code":"APPCODE"}`; string(v) != want {
			t.Errorf("identity = %s, want %s", v, want)
		}
		return nil
	})
}
