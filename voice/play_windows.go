package voice

import (
	"context"
	"errors"
)

// play has no player on Windows yet: Speak fails and the caller plays the
// chime.
func play(ctx context.Context, path string) error {
	return errors.New("voice: no sound player on Windows")
}
