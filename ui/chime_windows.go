package ui

import (
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/qfpos/qfpos/assets"
)

// Windows plays the chime itself: winmm's PlaySound takes the WAV straight
// from memory (SND_MEMORY), so nothing is written to disk and no player
// program is needed. Where the machine has no sound device it is silent.
var playSound = windows.NewLazySystemDLL("winmm.dll").NewProc("PlaySoundW")

const (
	sndSync      = 0x0000 // return when the sound has played
	sndNoDefault = 0x0002 // no system beep when the sound cannot play
	sndMemory    = 0x0004 // the first argument points at the WAV bytes
)

// playChime plays assets.Chime and waits for it. Call it on a goroutine of
// its own.
func playChime() {
	if len(assets.Chime) == 0 || playSound.Find() != nil {
		return
	}
	_, _, _ = playSound.Call(uintptr(unsafe.Pointer(&assets.Chime[0])), 0, sndSync|sndNoDefault|sndMemory)
}
