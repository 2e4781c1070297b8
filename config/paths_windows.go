package config

import "os"

// dataDir is the per-user data folder that stays on this machine:
// %LocalAppData% (the config file is in %AppData%, os.UserConfigDir, which
// roams with the user's profile; an order file must not).
func dataDir() string {
	if dir := os.Getenv("LocalAppData"); dir != "" {
		return dir
	}
	if dir, err := os.UserConfigDir(); err == nil { // %AppData%
		return dir
	}
	return os.TempDir()
}
