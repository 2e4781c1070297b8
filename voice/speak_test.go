package voice

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qfpos/qfpos/money"
)

var samples = flag.Bool("samples", false, "record one spoken sample per language into docs/voice/")

// needTools skips the test when espeak-ng or sox is missing, but fails it
// in CI (CI=true), where the Makefile installs them.
func needTools(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"espeak-ng", "soxi", "sox"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (make test installs espeak-ng and sox)", bin)
			}
			t.Skipf("%s is not installed: skipping the spoken-amount check (apt-get install espeak-ng sox)", bin)
		}
	}
}

// seconds measures a sound file's length with soxi.
func seconds(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("soxi", "-D", path).Output()
	if err != nil {
		t.Fatalf("soxi %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("soxi %s: %q", path, out)
	}
	return d
}

// TestRenderSpeech renders each language's announcement of HK$1,234.50 to
// a WAV, as a person would hear it, and checks that it holds speech of a
// plausible length: not silence, not a digit-by-digit reading.
func TestRenderSpeech(t *testing.T) {
	needTools(t)
	hkd := money.MustLookup("HKD")
	for _, lang := range []string{"en", "zh-Hant", "zh-Hans"} {
		t.Run(lang, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "say.wav")
			text := Phrase(lang, 123450, hkd)
			if err := Render(context.Background(), path, text, lang, 50); err != nil {
				t.Fatal(err)
			}
			d := seconds(t, path)
			if d < 1.5 || d > 12 {
				t.Errorf("%q lasts %.2f s, want 1.5–12 s of speech", text, d)
			}
			// sox stat: the RMS amplitude of speech is well above silence.
			out, err := exec.Command("sox", path, "-n", "stat").CombinedOutput()
			if err != nil {
				t.Fatalf("sox stat: %v %s", err, out)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(line, "RMS     amplitude:") {
					f := strings.Fields(line)
					rms, _ := strconv.ParseFloat(f[len(f)-1], 64)
					if rms < 0.01 {
						t.Errorf("RMS amplitude %.4f: silence, not speech", rms)
					}
				}
			}
			if *samples {
				dir := filepath.Join("..", "docs", "voice")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, "paid-"+lang+".ogg")
				if b, err := exec.Command("sox", path, "-r", "16000", "-C", "3", out).CombinedOutput(); err != nil {
					t.Fatalf("sox: %v %s", err, b)
				}
			}
		})
	}
}

// TestChineseStaysChinese checks that espeak-ng reads every character of
// the Chinese announcements in the language's own voice, never switching
// to English for a character it lacks (it marks that "(en)").
func TestChineseStaysChinese(t *testing.T) {
	needTools(t)
	hkd := money.MustLookup("HKD")
	for _, lang := range []string{"zh-Hant", "zh-Hans"} {
		for _, minor := range []int64{5, 1250, 10000, 123450, 99_999_999_999} {
			text := Phrase(lang, minor, hkd)
			cmd := exec.Command("espeak-ng", "-v", Voice(lang), "-q", "-x", "--stdin")
			cmd.Stdin = strings.NewReader(text)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("espeak-ng: %v", err)
			}
			if strings.Contains(string(out), "(en)") {
				t.Errorf("%s %q is read partly as English: %s", lang, text, out)
			}
		}
	}
}

// TestAmplitude checks the volume setting maps onto espeak-ng's amplitude.
func TestAmplitude(t *testing.T) {
	for v, want := range map[int]int{-5: 0, 0: 0, 50: 100, 100: 200, 150: 200} {
		if got := Amplitude(v); got != want {
			t.Errorf("Amplitude(%d) = %d, want %d", v, got, want)
		}
	}
}
