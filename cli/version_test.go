package cli_test

import (
	"testing"

	"github.com/qfpos/qfpos/cli"
)

func TestVersionFlag(t *testing.T) {
	old := cli.Version
	cli.Version = "1.2.3"
	t.Cleanup(func() { cli.Version = old })
	r := qfpos(map[string]string{}, "--version")
	if r.code != cli.ExitOK || r.stdout != "qfpos 1.2.3\n" || r.stderr != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
