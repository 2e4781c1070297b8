package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// help config shows every setting's default, and the values in effect
// with where each came from, secrets masked.
func TestHelpConfigShowsDefaultsAndValuesInEffect(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	file := filepath.Join(dir, "qfpos.toml")
	if err := os.WriteFile(file, []byte("merchant_name = \"Tea House\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"QFPOS_CONFIG": file, "QFPOS_QR_EXPIRY": "10m", "QFPAY_APP_CODE": "APP1", "QFPAY_CLIENT_KEY": "TOPSECRETKEY", "QFPAY_BASE_URL": "hk-test"}
	for _, args := range [][]string{{"help", "config"}, {"config", "--currency", "JPY"}} {
		r := qfpos(env, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d %s", args, r.code, r.stderr)
		}
		for _, re := range []string{
			`max_amount .*\(default: 100000\)`,
			`merchant_name .*\(default: qfpos demo shop\)`,
			`(?m)^  merchant_name +Tea House +file$`,
			`(?m)^  qr_expiry +10m0s +environment$`,
			`(?m)^  client_key +\*+ +environment$`,
			`(?m)^  poll_share +0\.25 +default$`,
			`config file: ` + regexp.QuoteMeta(file),
		} {
			if !regexp.MustCompile(re).MatchString(r.stdout) {
				t.Errorf("%v: no %s in\n%s", args, re, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "TOPSECRETKEY") {
			t.Errorf("%v shows the client key", args)
		}
	}
	if r := qfpos(env, "config", "--currency", "JPY"); !regexp.MustCompile(`(?m)^  currency +JPY +flag$`).MatchString(r.stdout) {
		t.Errorf("a flag is not shown in effect:\n%s", r.stdout)
	}
}
