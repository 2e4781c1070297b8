//go:build ignore

// gen_fonts writes fonts/NotoSansCJKtc-qfpos-{Regular,Bold}.otf: the
// glyphs of qfpos's own Chinese texts (translations/*.json and the
// language names) cut out of Noto Sans CJK TC, and fonts/OFL.txt, its
// licence. It needs Debian's fonts-noto-cjk and fonttools (pyftsubset):
// go generate ./assets/ (or go run gen_fonts.go from this directory).
//
// Only what Fyne's own font (Noto Sans, Latin) lacks goes in: CJK
// ideographs, CJK and full-width punctuation, and the space (a space
// between two ideographs is drawn with their font). Latin letters, digits
// and Latin punctuation keep Fyne's font, so English text looks as
// before: and since Fyne takes a line's height from the font of the space,
// the subset gets Noto Sans's line metrics and space width.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

const (
	notoDir = "/usr/share/fonts/opentype/noto"
	face    = 3 // the TC face of the collections: JP, KR, SC, TC, HK, …
	licence = "/usr/share/doc/fonts-noto-cjk/copyright"
)

// extra is text shown that is not in the translation files: the
// language names of the settings screen (ui.languageNames).
const extra = "繁體中文简体中文"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen_fonts:", err)
		os.Exit(1)
	}
}

func run() error {
	files, err := filepath.Glob("translations/*.json")
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no translations/*.json here (run it from assets/): %v", err)
	}
	set := map[rune]bool{}
	add := func(s string) {
		for _, r := range s {
			if cjk(r) {
				set[r] = true
			}
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, v := range m {
			add(v)
		}
	}
	add(extra)
	set[' '], set['\u00a0'] = true, true
	runes := make([]rune, 0, len(set))
	for r := range set {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	var unicodes []string
	for _, r := range runes {
		unicodes = append(unicodes, fmt.Sprintf("U+%04X", r))
	}
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "fyne.io/fyne/v2").Output()
	if err != nil {
		return fmt.Errorf("finding Fyne's fonts: %w", err)
	}
	fyneDir := strings.TrimSpace(string(dir))
	for _, w := range []string{"Regular", "Bold"} {
		out := filepath.Join("fonts", "NotoSansCJKtc-qfpos-"+w+".otf")
		cmd := exec.Command("pyftsubset", filepath.Join(notoDir, "NotoSansCJK-"+w+".ttc"),
			fmt.Sprintf("--font-number=%d", face),
			"--unicodes="+strings.Join(unicodes, ","),
			"--layout-features=*", "--name-IDs=*", "--no-hinting", "--desubroutinize",
			"--output-file="+out)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("pyftsubset (Debian: apt-get install fonttools fonts-noto-cjk): %w", err)
		}
		latin := filepath.Join(fyneDir, "theme", "font", "NotoSans-"+w+".ttf")
		cmd = exec.Command(python(), "-c", metricsScript, out, latin)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("copying Noto Sans's metrics: %w", err)
		}
	}
	return writeLicence()
}

// metricsScript gives the subset (argv 1) the line metrics and the space
// width of Fyne's Noto Sans (argv 2), with fontTools.
const metricsScript = `
import sys
from fontTools.ttLib import TTFont
sub, latin = TTFont(sys.argv[1]), TTFont(sys.argv[2])
assert sub["head"].unitsPerEm == latin["head"].unitsPerEm
for a in ("ascent", "descent", "lineGap"):
    setattr(sub["hhea"], a, getattr(latin["hhea"], a))
for a in ("sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent", "usWinDescent"):
    setattr(sub["OS/2"], a, getattr(latin["OS/2"], a))
sub["OS/2"].fsSelection = (sub["OS/2"].fsSelection & ~(1 << 7)) | (latin["OS/2"].fsSelection & (1 << 7))
width = latin["hmtx"][latin.getBestCmap()[0x20]][0]
cmap = sub.getBestCmap()
for cp in (0x20, 0xA0):
    g = cmap[cp]
    sub["hmtx"][g] = (width, sub["hmtx"][g][1])
sub.save(sys.argv[1])
`

// python is Debian's Python, which has fontTools.
func python() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// cjk reports whether r is for the subset: ideographs, CJK symbols and
// punctuation, and full-width forms.
func cjk(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		r >= 0x3000 && r <= 0x303F || // CJK symbols and punctuation: 、。「」
		r >= 0xFF00 && r <= 0xFFEF // full-width forms: ，：（）
}

// writeLicence copies the SIL Open Font License from Debian's copyright
// file, under the font's own copyright line.
func writeLicence() error {
	data, err := os.ReadFile(licence)
	if err != nil {
		return err
	}
	_, text, ok := strings.Cut(string(data), "\nLicense: SIL-1.1\n -")
	if !ok {
		return fmt.Errorf("%s: no SIL-1.1 licence text", licence)
	}
	text = " -" + text
	if i := strings.Index(text, "\nLicense:"); i >= 0 {
		text = text[:i]
	}
	var b strings.Builder
	b.WriteString("NotoSansCJKtc-qfpos-Regular.otf and NotoSansCJKtc-qfpos-Bold.otf are subsets of\n" +
		"Noto Sans CJK TC (Debian's fonts-noto-cjk 20220127), made by gen_fonts.go.\n\n" +
		"Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.\n\n" +
		"This Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n")
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line = strings.TrimPrefix(line, " ")
		if line == "." {
			line = ""
		}
		b.WriteString(line + "\n")
	}
	return os.WriteFile(filepath.Join("fonts", "OFL.txt"), []byte(b.String()), 0o644)
}
