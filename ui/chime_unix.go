//go:build !windows

package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/qfpos/qfpos/assets"
)

// players are the system sound players tried in turn for the chime. qfpos
// links no audio library: a payment needs no sound to be right, and an
// audio library would add cgo and ALSA headers to the build. Where none of
// these is installed the chime is silent.
var players = [][]string{{"pw-play"}, {"paplay"}, {"aplay", "-q"}}

var chimeFile = sync.OnceValues(func() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "qfpos", "chime.wav")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, assets.Chime, 0o600)
})

// playChime plays assets.Chime with the first player found, and waits for
// it (at most a few seconds). Call it on a goroutine of its own.
func playChime() {
	for _, p := range players {
		bin, err := exec.LookPath(p[0])
		if err != nil {
			continue
		}
		path, err := chimeFile()
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = exec.CommandContext(ctx, bin, append(p[1:], path)...).Run()
		return
	}
}
