//go:build !windows

package voice

import (
	"context"
	"errors"
	"os/exec"
)

// players are the system sound players tried in turn, as for the chime.
var players = [][]string{{"pw-play"}, {"paplay"}, {"aplay", "-q"}}

// errNoPlayer says no sound player is installed.
var errNoPlayer = errors.New("voice: no sound player (pw-play, paplay, aplay) is installed")

// play plays a WAV file with the first player found and waits for it.
func play(ctx context.Context, path string) error {
	for _, p := range players {
		bin, err := exec.LookPath(p[0])
		if err != nil {
			continue
		}
		return exec.CommandContext(ctx, bin, append(p[1:], path)...).Run()
	}
	return errNoPlayer
}
