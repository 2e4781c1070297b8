// Package assets holds the files qfpos ships inside its binary: the icon,
// the translations of the GUI, the Chinese font of its texts, the
// backspace key's icon and the chime played when a payment is confirmed.
package assets

//go:generate go run gen_fonts.go

import (
	"embed"
	_ "embed"
)

// Icon is the application icon, a 512×512 PNG.
//
//go:embed icon.png
var Icon []byte

// Translations holds translations/{en,zh-Hant,zh-Hans}.json: one JSON
// object of key → text per language the GUI speaks.
//
//go:embed translations/*.json
var Translations embed.FS

// Chime is a short two-note sound (WAV, 16-bit mono, 22.05 kHz) played
// when a payment is confirmed paid. gen_chime.go generates it.
//
//go:embed chime.wav
var Chime []byte

// Backspace is the keypad's backspace icon (Material Design "backspace",
// Apache License 2.0).
//
//go:embed backspace.svg
var Backspace []byte

// CJKRegular and CJKBold are Noto Sans CJK TC cut down to the Chinese
// characters and punctuation of the translations (SIL Open Font License
// 1.1, fonts/OFL.txt). gen_fonts.go makes them (go generate): run it
// after changing a translation; a test in ui fails until then.
//
//go:embed fonts/NotoSansCJKtc-qfpos-Regular.otf
var CJKRegular []byte

//go:embed fonts/NotoSansCJKtc-qfpos-Bold.otf
var CJKBold []byte
