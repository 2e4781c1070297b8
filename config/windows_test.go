//go:build windows

package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/qfpos/qfpos/config"
)

// These run on Windows; scripts/test-platforms.sh runs them under wine.

// underWine tells whether this is Wine, which reports a file's ACL from
// its Unix mode and keeps none that is set: what it can check is then less.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// tempDir is t.TempDir that tolerates Wine 8, where Go's os.RemoveAll
// fails ("Invalid function"): the files are removed one by one.
func tempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "qfpos-config-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { os.Remove(p); return nil })
		os.Remove(dir)
	})
	return dir
}

func TestWindowsOrderFileIsInLocalAppData(t *testing.T) {
	dir := tempDir(t)
	t.Setenv("LocalAppData", dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "xdg")) // not read on Windows
	if got, want := config.DefaultDB(false), filepath.Join(dir, "qfpos", "orders.db"); got != want {
		t.Errorf("DefaultDB = %s, want %s", got, want)
	}
	if got, want := config.DefaultDB(true), filepath.Join(dir, "qfpos", "sandbox-orders.db"); got != want {
		t.Errorf("DefaultDB(sandbox) = %s, want %s", got, want)
	}
	if p := config.DefaultPath(); !strings.HasSuffix(p, `\qfpos\config.toml`) || !strings.HasPrefix(p, os.Getenv("AppData")) {
		t.Errorf("DefaultPath = %s, want %%AppData%%\\qfpos\\config.toml", p)
	}
}

func TestWindowsKeyFileGetsAPrivateACL(t *testing.T) {
	path := filepath.Join(tempDir(t), "config.toml")
	if err := os.WriteFile(path, []byte("app_code = \"A\"\nclient_key = \""+key+"\"\nbase_url = \"hk-test\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "ACL") {
		t.Errorf("first load: warnings = %q, want one about the ACL", c.Warnings)
	}
	if underWine() {
		t.Log("wine keeps no ACL that is set: the ACL was set without an error, its effect is not checked")
		return
	}
	// The ACL now allows this user alone: the next load has nothing to say.
	c, err = config.Load(config.Options{Path: path, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("second load: warnings = %q", c.Warnings)
	}
	// A file qfpos writes is private from the start.
	saved := filepath.Join(tempDir(t), "saved.toml")
	err = config.UpdateFile(saved, func(c *config.Config) {
		c.AppCode, c.ClientKey, c.BaseURL = "B", config.Secret(key), "hk-test"
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err = config.Load(config.Options{Path: saved, LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("saved file: warnings = %q", c.Warnings)
	}
}
