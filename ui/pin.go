package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/argon2"

	"github.com/qfpos/qfpos/config"
)

// PIN rules.
const (
	minPIN       = 4
	maxPIN       = 8
	pinTries     = 5                // wrong PINs in a row before a lock-out
	pinLockout   = 30 * time.Second // how long the lock-out lasts
	staffSession = 2 * time.Minute  // how long a PIN opens the staff screens
)

// argonParams are the Argon2id costs of a new PIN hash; the hash records
// them, so they can be raised without breaking old hashes. Tests lower
// them.
var argonParams = struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}{64 * 1024, 3, 2}

// hashPIN returns the PIN as a salted Argon2id hash in the PHC string
// format: $argon2id$v=19$m=65536,t=3,p=2$salt$hash.
func hashPIN(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := argonParams
	key := argon2.IDKey([]byte(pin), salt, p.time, p.memory, p.threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// checkPIN reports whether pin matches a hash made by hashPIN.
func checkPIN(hash, pin string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("the PIN hash is not an argon2id hash")
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("the PIN hash has an unknown version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false, errors.New("the PIN hash has bad parameters")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errors.New("the PIN hash is damaged")
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// validPIN checks the form of a new PIN.
func validPIN(pin string) bool {
	if len(pin) < minPIN || len(pin) > maxPIN {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// pinPad is the PIN dialog: a masked entry with its own keypad, so that
// a kiosk works by touch alone.
type pinPad struct {
	dlg    *dialog.CustomDialog
	prompt *widget.Label
	entry  *widget.Entry
	msg    *widget.Label
	keys   map[string]*widget.Button
	ok     *widget.Button
	cancel *widget.Button
	onOK   func(pin string)
	busy   bool // a PIN is being checked or hashed: OK and Enter wait
}

func (g *gui) newPINPad(title, prompt string, onOK func(pin string)) *pinPad {
	p := &pinPad{onOK: onOK}
	p.prompt = widget.NewLabel(prompt)
	p.prompt.Wrapping = fyne.TextWrapWord
	p.entry = widget.NewPasswordEntry()
	p.entry.OnSubmitted = func(string) { p.submit() }
	p.entry.OnChanged = func(s string) {
		g.touch()
		if len(s) > maxPIN {
			p.entry.SetText(s[:maxPIN])
		}
	}
	p.msg = widget.NewLabel("")
	p.msg.Importance = widget.DangerImportance
	p.msg.Wrapping = fyne.TextWrapWord
	var pad fyne.CanvasObject
	p.keys, pad = g.keypad(p.press, "1", "2", "3", "4", "5", "6", "7", "8", "9", keyClear, "0", keyBack)
	text := container.NewVBox(p.prompt, p.entry, p.msg)
	var content fyne.CanvasObject = container.NewVBox(text, pad)
	win := g.win.Canvas().Size()
	width := min(360, win.Width-16)
	if win.Width > win.Height { // beside each other, to fit 800×480
		content = container.NewGridWithColumns(2, text, pad)
		width = min(640, win.Width-16)
	}
	p.dlg = dialog.NewCustomWithoutButtons(title, content, g.win)
	p.ok = widget.NewButton(g.tr.T("button.ok"), p.submit)
	p.ok.Importance = widget.HighImportance
	p.cancel = widget.NewButton(g.tr.T("button.cancel"), func() {
		p.dlg.Hide()
		if g.pin == p {
			g.pin = nil
		}
	})
	p.dlg.SetButtons([]fyne.CanvasObject{p.cancel, p.ok})
	g.pin = p
	p.dlg.Resize(fyne.NewSize(width, 0))
	g.track(p.dlg)
	p.dlg.Show()
	g.setKeys(p.dlg, p.submit, p.cancel.OnTapped)
	g.win.Canvas().Focus(p.entry)
	return p
}

func (p *pinPad) press(k string) { p.entry.SetText(typeKey(p.entry.Text, k)) }

// submit is OK or Enter. While a PIN is being checked or hashed it does
// nothing: holding Enter must not start one Argon2 run (64 MiB) per key
// repeat.
func (p *pinPad) submit() {
	if p.busy {
		return
	}
	pin := p.entry.Text
	p.entry.SetText("")
	p.onOK(pin)
}

// setBusy marks a check or hash running (OK disabled) or over.
func (p *pinPad) setBusy(busy bool) {
	p.busy = busy
	if busy {
		p.ok.Disable()
	} else {
		p.ok.Enable()
	}
}

func (p *pinPad) close(g *gui) {
	p.dlg.Hide()
	if g.pin == p {
		g.pin = nil
	}
}

// requirePIN runs then once the staff PIN is entered (or, the first time,
// set). A PIN stays good for a short staff session.
func (g *gui) requirePIN(then func()) {
	g.touch()
	if g.d.Now().Before(g.staffUntil) {
		then()
		return
	}
	if g.cfg.PINHash == "" {
		g.setPIN(func() {
			g.staffUntil = g.d.Now().Add(staffSession)
			then()
		})
		return
	}
	var p *pinPad
	p = g.newPINPad(g.tr.T("pin.title"), g.tr.T("pin.enter"), func(pin string) {
		if now := g.d.Now(); now.Before(g.pinLockUntil) {
			p.msg.SetText(g.tr.T("pin.locked", int(g.pinLockUntil.Sub(now).Seconds())+1))
			return
		}
		if !validPIN(pin) { // no PIN has this form: no need to hash it
			p.msg.SetText(g.tr.T("pin.rule", minPIN, maxPIN))
			return
		}
		p.setBusy(true)
		hash := g.cfg.PINHash
		go func() {
			ok, err := checkPIN(hash, pin)
			g.do(func() {
				p.setBusy(false)
				switch {
				case err != nil:
					p.msg.SetText(g.tr.T("pin.damaged"))
					g.d.Log.Error("PIN hash", "err", err)
				case !ok:
					g.pinFailures++
					p.msg.SetText(g.tr.T("pin.wrong"))
					if g.pinFailures >= pinTries {
						g.pinFailures = 0
						g.pinLockUntil = g.d.Now().Add(pinLockout)
						p.msg.SetText(g.tr.T("pin.locked", int(pinLockout.Seconds())))
					}
				default:
					g.pinFailures = 0
					g.staffUntil = g.d.Now().Add(staffSession)
					p.close(g)
					then()
				}
			})
		}()
	})
}

// setPIN asks for a new PIN twice, and saves its hash.
func (g *gui) setPIN(then func()) {
	var first string
	var p *pinPad
	p = g.newPINPad(g.tr.T("pin.set_title"), g.tr.T("pin.set"), func(pin string) {
		if first == "" {
			if !validPIN(pin) {
				p.msg.SetText(g.tr.T("pin.rule", minPIN, maxPIN))
				return
			}
			first = pin
			p.msg.SetText("")
			p.prompt.SetText(g.tr.T("pin.again"))
			return
		}
		if pin != first {
			first = ""
			p.prompt.SetText(g.tr.T("pin.set"))
			p.msg.SetText(g.tr.T("pin.mismatch"))
			return
		}
		p.setBusy(true)
		go func() {
			hash, err := hashPIN(pin)
			g.do(func() {
				p.setBusy(false)
				if err == nil {
					set := func(c *config.Config) { c.PINHash = hash }
					err = g.saveConfig(set, set)
				}
				if err != nil {
					p.msg.SetText(g.tr.T("pin.save_failed", err.Error()))
					return
				}
				p.close(g)
				then()
			})
		}()
	})
}
