package main

import (
	_ "embed"
	"regexp"

	"github.com/qfpos/qfpos/cli"
)

// FyneApp.toml is the one place the version is written: Fyne's packaging
// tool, the Makefile's .deb, .zip and installer, and this binary all read it.
//
//go:embed FyneApp.toml
var fyneApp []byte

var versionLine = regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`)

func init() {
	if m := versionLine.FindSubmatch(fyneApp); m != nil {
		cli.Version = string(m[1])
	}
}
