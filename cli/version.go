package cli

// Version is qfpos's version, printed by 'qfpos --version'. package main
// sets it from FyneApp.toml (the one place it is written), so every build
// and package carries the same one; a build that skips that says "devel".
var Version = "devel"
