// Package assets holds the files qfpos ships inside its binary: the icon,
// the translations of the GUI, the backspace key's icon and the chime
// played when a payment is confirmed.
package assets

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
