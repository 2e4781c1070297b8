// Package escpos prints receipts (package receipt) on ESC/POS printers,
// the command set of nearly every receipt printer (Epson TM series and
// the many compatibles), reached over TCP port 9100, a device file such
// as /dev/usb/lp0, or a CUPS queue.
//
// # Chinese text
//
// Printers sold in Hong Kong and China take Chinese in their Chinese mode
// (FS &) as Big5 or GB18030, not UTF-8. Encode writes text in the code
// page the printer is set to (CodepageBig5, CodepageGB18030), with
// golang.org/x/text/encoding; CodepageASCII prints ASCII only (anything
// else becomes '?') for printers with no Chinese mode; CodepageRaster
// draws each line as a bitmap (GS v 0) with a Chinese font of this
// computer, for printers with no Chinese font.
//
// The default (CodepageAuto) is encoded text: Big5 for 繁體中文 and the
// rest, GB18030 for 简体中文 or CNY. Encoded text is what those printers
// are built for: a receipt is about 1 KB instead of 50–100 KB of bitmap,
// so it prints at once even over a slow USB or serial link; the printer's
// own font is crisp and matches its column count; and it needs no font on
// the computer, which a kiosk may lack. Raster is the fallback for the
// printers it is not.
//
// # Never blocking a sale
//
// Print runs with timeouts on every step and returns one *Error whose
// message a cashier can act on ("out of paper", "did not answer"). Where
// the printer answers DLE EOT (TCP), its status is read before the
// receipt (offline, cover open, out of paper) and after it, which also
// confirms that the connection stayed up to the end. Callers print off
// the sale's path: a receipt that does not print never changes a sale.
package escpos

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/qfpos/qfpos/receipt"
)

// Codepage is how text reaches the printer.
type Codepage string

// Code pages.
const (
	CodepageAuto    Codepage = "auto"    // Big5, or GB18030 for zh-Hans / CNY (see Resolve)
	CodepageBig5    Codepage = "big5"    // Chinese mode (FS &), Big5: Hong Kong, Taiwan
	CodepageGB18030 Codepage = "gb18030" // Chinese mode (FS &), GB18030/GBK: mainland China
	CodepageASCII   Codepage = "ascii"   // no Chinese mode: ASCII only
	CodepageRaster  Codepage = "raster"  // every line a bitmap (GS v 0), drawn with a font of this computer
)

// Codepages lists the code pages a setting may name.
var Codepages = []Codepage{CodepageAuto, CodepageBig5, CodepageGB18030, CodepageRaster, CodepageASCII}

// ParseCodepage reads a code page setting.
func ParseCodepage(s string) (Codepage, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return CodepageAuto, nil
	}
	for _, c := range Codepages {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("%q is not a code page (use auto, big5, gb18030, raster or ascii)", s)
}

// Resolve turns CodepageAuto into the code page for the app language and
// currency: GB18030 for zh-Hans or CNY, else Big5.
func (c Codepage) Resolve(lang, currency string) Codepage {
	if c != CodepageAuto && c != "" {
		return c
	}
	if lang == "zh-Hans" || currency == "CNY" {
		return CodepageGB18030
	}
	return CodepageBig5
}

// encoding is the text encoding of a Chinese code page, nil for others.
func (c Codepage) encoding() encoding.Encoding {
	switch c {
	case CodepageBig5:
		return traditionalchinese.Big5
	case CodepageGB18030:
		return simplifiedchinese.GB18030
	}
	return nil
}

// ESC/POS commands.
var (
	cmdInit       = []byte{0x1b, '@'}         // ESC @
	cmdChineseOn  = []byte{0x1c, '&'}         // FS &
	cmdChineseOff = []byte{0x1c, '.'}         // FS .
	cmdCodeTable0 = []byte{0x1b, 't', 0}      // ESC t 0: PC437
	cmdNormalSize = []byte{0x1d, '!', 0x00}   // GS ! 0
	cmdDoubleSize = []byte{0x1d, '!', 0x11}   // GS ! 0x11: double width and height
	cmdCut        = []byte{0x1d, 'V', 'A', 3} // GS V A 3: feed 3 and cut
	// cmdStatus asks DLE EOT 1 (printer), 2 (offline cause) and 4 (paper
	// sensor): three answer bytes.
	cmdStatus = []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4}
)

func cmdBold(on bool) []byte {
	if on {
		return []byte{0x1b, 'E', 1}
	}
	return []byte{0x1b, 'E', 0}
}

func cmdAlign(a receipt.Align) []byte { return []byte{0x1b, 'a', byte(a)} }

// QR appends the GS ( k commands that print payload as a QR code (model 2,
// module size 6, error correction M).
func QR(b *bytes.Buffer, payload string) {
	gsk := func(fn byte, data ...byte) {
		n := len(data) + 2
		b.Write([]byte{0x1d, '(', 'k', byte(n), byte(n >> 8), '1', fn})
		b.Write(data)
	}
	gsk('A', '2', 0)                             // model 2
	gsk('C', 6)                                  // module size
	gsk('E', '1')                                // error correction M
	gsk('P', append([]byte{'0'}, payload...)...) // store
	gsk('Q', '0')                                // print
}

// Options say how to encode a receipt for one printer.
type Options struct {
	Codepage Codepage // a resolved code page (not CodepageAuto)
	Paper    int      // receipt.Paper58 or receipt.Paper80, for raster widths
	Font     *Font    // for CodepageRaster; nil loads the system's (SystemFont)
}

// Encode turns a receipt into ESC/POS bytes. Text the code page cannot
// carry prints as '?'. It fails only for CodepageRaster without a font.
func Encode(r *receipt.Receipt, opts Options) ([]byte, error) {
	cp := opts.Codepage.Resolve("", "")
	var b bytes.Buffer
	b.Write(cmdInit)
	var enc *encoding.Encoder
	switch cp {
	case CodepageBig5, CodepageGB18030:
		b.Write(cmdChineseOn)
		enc = encoding.ReplaceUnsupported(cp.encoding().NewEncoder())
	default:
		b.Write(cmdChineseOff)
		b.Write(cmdCodeTable0)
	}
	font := opts.Font
	if cp == CodepageRaster && font == nil {
		f, err := SystemFont()
		if err != nil {
			return nil, err
		}
		font = f
	}
	for _, l := range r.Lines {
		switch {
		case l.Cut:
			b.Write(cmdAlign(receipt.Left))
			b.Write(cmdCut)
			continue
		case l.QR != "":
			b.Write(cmdAlign(l.Align))
			QR(&b, l.QR)
			continue
		}
		if cp == CodepageRaster {
			img := font.Line(l, receipt.Columns(opts.Paper))
			b.Write(cmdAlign(receipt.Left))
			Raster(&b, img)
			continue
		}
		b.Write(cmdAlign(l.Align))
		b.Write(cmdBold(l.Bold))
		if l.Big {
			b.Write(cmdDoubleSize)
		}
		text := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1 // never a command from a goods name
			}
			return r
		}, l.Text)
		if enc != nil {
			if s, err := enc.String(text); err == nil {
				text = s
			} else {
				text = asciiOnly(l.Text)
			}
		} else {
			text = asciiOnly(text)
		}
		b.WriteString(text)
		b.WriteByte('\n')
		if l.Big {
			b.Write(cmdNormalSize)
		}
		if l.Bold {
			b.Write(cmdBold(false))
		}
	}
	return b.Bytes(), nil
}

// asciiOnly keeps printable ASCII, a few look-alikes, and '?' for the rest.
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0x20 && r < 0x7f:
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		case r == '—' || r == '–':
			return '-'
		case r == '×':
			return 'x'
		}
		return '?'
	}, s)
}

// Status is what a printer says of itself through DLE EOT.
type Status struct {
	Offline   bool
	CoverOpen bool
	PaperOut  bool
	PaperLow  bool
	Error     bool
}

// ParseStatus reads the answers to DLE EOT 1 (printer), 2 (offline cause)
// and 4 (paper sensor). Each answer byte has bits 1 and 4 set and bits 0
// and 7 clear; anything else is not a status.
func ParseStatus(printer, offline, paper byte) (Status, error) {
	for _, b := range []byte{printer, offline, paper} {
		if b&0x93 != 0x12 {
			return Status{}, fmt.Errorf("status byte %#02x is not an ESC/POS status", b)
		}
	}
	return Status{
		Offline:   printer&0x08 != 0,
		CoverOpen: offline&0x04 != 0,
		PaperOut:  paper&0x60 != 0 || offline&0x20 != 0,
		PaperLow:  paper&0x0c != 0,
		Error:     offline&0x40 != 0,
	}, nil
}

// Err is the status as an error, nil when the printer can print.
func (s Status) Err() error {
	switch {
	case s.PaperOut:
		return &Error{Kind: ErrOutOfPaper}
	case s.CoverOpen:
		return &Error{Kind: ErrCoverOpen}
	case s.Offline || s.Error:
		return &Error{Kind: ErrOffline}
	}
	return nil
}

// Kinds of printing failure, for errors.Is.
var (
	ErrUnreachable = errors.New("the printer cannot be reached")
	ErrNoAnswer    = errors.New("the printer did not answer")
	ErrOutOfPaper  = errors.New("the printer is out of paper")
	ErrCoverOpen   = errors.New("the printer's cover is open")
	ErrOffline     = errors.New("the printer is offline")
	ErrClosed      = errors.New("the printer closed the connection before the receipt was done")
	ErrNoPrinter   = errors.New("no printer is set up")
	ErrFailed      = errors.New("printing failed")
)

// Error is one printing failure: its kind, the printer, and detail.
type Error struct {
	Kind    error
	Printer string
	Detail  string
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Printer != "" {
		s += " (" + e.Printer + ")"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Kind }
