//go:build !windows

package config

import (
	"os"
	"path/filepath"
)

// dataDir is the per-user data folder: $XDG_DATA_HOME, else ~/.local/share.
func dataDir() string {
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" {
		return dir
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share")
	}
	return os.TempDir()
}
