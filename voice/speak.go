package voice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ErrUnavailable is returned by Speak and Render when espeak-ng is not
// installed; the caller plays the chime instead.
var ErrUnavailable = errors.New("voice: espeak-ng is not installed")

// Timeout bounds one announcement: rendering and playing it.
const Timeout = 15 * time.Second

// Voice is the espeak-ng voice for an app language: Cantonese (yue) for
// zh-Hant, Mandarin for zh-Hans, English otherwise. Mandarin is the cmn
// voice's variant cmn-latn-pinyin: plain cmn (espeak-ng 1.51) reads some
// characters, 信 and 款 among them, as English words.
func Voice(lang string) string {
	switch lang {
	case "zh-Hant":
		return "yue"
	case "zh-Hans":
		return "cmn-latn-pinyin"
	}
	return "en"
}

// Amplitude maps a volume of 0–100 onto espeak-ng's amplitude (-a, 0–200,
// 100 its default): volume 50 is espeak-ng's normal loudness.
func Amplitude(volume int) int {
	return min(max(volume, 0), 100) * 2
}

// Render writes text spoken in lang's voice at volume (0–100) to the WAV
// file path with espeak-ng -w. The text goes in on stdin, never as an
// argument that could read as an option.
func Render(ctx context.Context, path, text, lang string, volume int) error {
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		return ErrUnavailable
	}
	cmd := exec.CommandContext(ctx, bin, "-v", Voice(lang), "-a", fmt.Sprint(Amplitude(volume)), "-w", path, "--stdin")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("voice: espeak-ng: %v %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Speak says text in lang's voice at volume (0–100) and waits until it has
// been played, at most Timeout. Call it off the UI goroutine. It fails
// (ErrUnavailable, or no player) when the words cannot be heard, so the
// caller can fall back to the chime.
func Speak(ctx context.Context, text, lang string, volume int) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	f, err := os.CreateTemp("", "qfpos-voice-*.wav")
	if err != nil {
		return fmt.Errorf("voice: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	if err := Render(ctx, path, text, lang, volume); err != nil {
		return err
	}
	return play(ctx, path)
}
