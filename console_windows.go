package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// qfpos.exe is linked as a Windows GUI program (-H windowsgui): started from
// the Start menu, a shortcut or the startup folder, the cashier window opens
// with no console window beside it. A GUI program gets no console of its
// own, so for the subcommands (qfpos.exe pay 12.50 from a .bat file, a
// kiosk integrator's program, a cmd window) it attaches to its parent's
// console, if it has one, and writes there: see docs/platforms.md. Output
// that the parent redirected to a file or a pipe stays where it was sent.
// qfpos-cli.exe is the same program linked as a console program, for
// interactive terminals, where cmd.exe and PowerShell wait only for those.
func init() {
	if usable(os.Stdout) && usable(os.Stderr) {
		return // redirected by the parent, or a console program
	}
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if r, _, _ := attach.Call(attachParentProcess); r == 0 {
		return // started from Explorer or a shortcut: no console, as meant
	}
	out, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	if !usable(os.Stdout) {
		os.Stdout = out
	}
	if !usable(os.Stderr) {
		os.Stderr = out
	}
}

// usable tells whether f is an open file, pipe or console.
func usable(f *os.File) bool {
	if f == nil {
		return false
	}
	t, err := windows.GetFileType(windows.Handle(f.Fd()))
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}
