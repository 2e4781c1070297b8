// Package clocale keeps Fyne quiet in the C locale.
//
// Fyne's lang package reads the locale in its package init, in every
// process of the binary, headless commands included: with LANG=C.UTF-8
// (Debian's default) it prints "Fyne error: Error parsing user locale C".
// This package's init, which runs first, shows Fyne the plain "C" it
// accepts (and takes as English), and Restore puts the environment back
// as it was as soon as main starts, so nothing else sees the change.
//
// Why it runs first: Go initialises, among the packages whose imports are
// initialised, the one with the smallest import path first (the spec's
// rule since Go 1.21). This package imports only os and strings, which
// are initialised before golang.org/x/text/language (which imports them),
// and github.com/qfpos/… sorts before golang.org/…; fyne.io/fyne/v2/lang
// imports golang.org/x/text/language, so it is initialised after this
// package. TestHeadlessCommandsAreQuietInTheCLocale in package main checks
// it on the real binary.
package clocale

import (
	"os"
	"strings"
)

type saved struct{ name, value string }

var changed []saved

func init() { normalize() }

// normalize replaces a "C.<codeset>" or "POSIX.<codeset>" locale, in the
// first of LC_ALL, LC_MESSAGES and LANG that is set (the ones Fyne reads,
// in its order), with plain "C" or "POSIX".
func normalize() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if base, _, ok := strings.Cut(v, "."); ok && (base == "C" || base == "POSIX") {
			if os.Setenv(name, base) == nil {
				changed = append(changed, saved{name, v})
			}
		}
		return
	}
}

// Restore sets back what init changed. main calls it first.
func Restore() {
	for _, s := range changed {
		os.Setenv(s.name, s.value)
	}
	changed = nil
}
