package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeadlessCommandsAreQuietInTheCLocale runs real qfpos processes (this
// test binary, see TestMain) under the C locales Debian and containers
// default to: a headless command must not print Fyne's locale error.
func TestHeadlessCommandsAreQuietInTheCLocale(t *testing.T) {
	dir := t.TempDir()
	for _, loc := range []string{"C.UTF-8", "C", "POSIX", "C.utf8"} {
		for _, args := range [][]string{{"--help"}, {"help", "config"}, {"orders"}, {"report"}} {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), "QFPOS_RUN_MAIN=1", "LANG="+loc, "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=",
				"XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir, "QFPOS_DB="+filepath.Join(dir, "o.db"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("LANG=%s qfpos %v: %v\n%s", loc, args, err, out)
			}
			if strings.Contains(string(out), "Fyne") {
				t.Errorf("LANG=%s qfpos %v printed:\n%s", loc, args, out)
			}
		}
	}
}
