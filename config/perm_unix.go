//go:build !windows

package config

import (
	"fmt"
	"os"
)

// privateDone says what makePrivate did, for the warning.
const privateDone = "set it to 0600"

// checkPrivate says how the file at path is readable by others than its
// owner ("" when it is not).
func checkPrivate(path string) (problem string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return fmt.Sprintf("was readable by others (mode %04o)", m), nil
	}
	return "", nil
}

// makePrivate makes the file at path readable and writable by its owner
// only (mode 0600).
func makePrivate(path string) error {
	return os.Chmod(path, 0o600)
}

func privateFix(path string) string { return "run: chmod 600 " + path }
