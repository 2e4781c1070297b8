// Package virtual is a virtual ESC/POS receipt printer for tests and
// screenshots: a TCP server on a loopback port that takes what qfpos
// prints, answers DLE EOT status like a real printer, decodes the bytes
// back into lines (text in the printer's code page, bold, size,
// alignment, QR payloads, bitmaps, cuts) and draws them as a 58 mm or
// 80 mm paper slip in a PNG. It can also misbehave: never answer, close
// in the middle of a receipt, or be out of paper.
package virtual

import (
	"fmt"
	"image"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/qfpos/qfpos/escpos"
	"github.com/qfpos/qfpos/receipt"
)

// Item is one thing printed: a line of text, a QR code, a bitmap or a cut.
type Item struct {
	Text   string
	Align  receipt.Align
	Bold   bool
	Big    bool
	QR     string      // a QR code's payload
	Raster *image.Gray // a GS v 0 bitmap
	Cut    bool
}

// Text is the printed lines as text, as receipt.Receipt.Text shows them.
func Text(items []Item) string {
	var b strings.Builder
	for _, it := range items {
		switch {
		case it.Cut:
			b.WriteString("--- cut ---\n")
		case it.QR != "":
			b.WriteString("[QR " + it.QR + "]\n")
		case it.Raster != nil:
			fmt.Fprintf(&b, "[bitmap %dx%d]\n", it.Raster.Bounds().Dx(), it.Raster.Bounds().Dy())
		default:
			b.WriteString(it.Text + "\n")
		}
	}
	return b.String()
}

// decoder reads an ESC/POS stream as a printer set to one Chinese code
// page does.
type decoder struct {
	cp      escpos.Codepage // the printer's Chinese code page: big5 or gb18030
	chinese bool            // FS & is on
	align   receipt.Align
	bold    bool
	big     bool
	line    []byte // text bytes of the line being printed
	qr      string // the stored QR payload
	items   []Item
	// status answers DLE EOT n; nil answers nothing.
	status func(n byte)
}

// feed processes the complete commands at the start of buf and returns how
// many bytes it used; the rest waits for more.
func (d *decoder) feed(buf []byte) int {
	i := 0
	for i < len(buf) {
		n := d.command(buf[i:])
		if n == 0 {
			break
		}
		i += n
	}
	return i
}

// need says whether b holds n bytes.
func need(b []byte, n int) bool { return len(b) >= n }

// command decodes one command or character at the start of b and returns
// its length, 0 when b holds only part of it.
func (d *decoder) command(b []byte) int {
	switch c := b[0]; c {
	case 0x0a:
		if d.line == nil {
			d.line = []byte{}
		}
		d.flush()
		return 1
	case 0x0d:
		return 1
	case 0x10: // DLE
		if !need(b, 3) {
			return 0
		}
		if b[1] == 0x04 && d.status != nil {
			d.status(b[2])
		}
		return 3
	case 0x1b: // ESC
		if !need(b, 2) {
			return 0
		}
		switch b[1] {
		case '@':
			d.reset()
			return 2
		case 'E', 'a', 't', 'd', '!', 'M', '-', 'G', 'J':
			if !need(b, 3) {
				return 0
			}
			switch b[1] {
			case 'E':
				d.bold = b[2]&1 == 1
			case 'a':
				d.align = receipt.Align(b[2] % 3)
			case 'd':
				for range b[2] {
					d.items = append(d.items, Item{})
				}
			case '!':
				d.bold, d.big = b[2]&0x08 != 0, b[2]&0x30 == 0x30
			}
			return 3
		}
		return 2
	case 0x1c: // FS
		if !need(b, 2) {
			return 0
		}
		switch b[1] {
		case '&':
			d.chinese = true
		case '.':
			d.chinese = false
		}
		return 2
	case 0x1d: // GS
		if !need(b, 2) {
			return 0
		}
		switch b[1] {
		case '!':
			if !need(b, 3) {
				return 0
			}
			d.big = b[2]&0x0f != 0 && b[2]&0xf0 != 0
			return 3
		case 'V':
			if !need(b, 3) {
				return 0
			}
			n := 3
			if b[2] == 'A' || b[2] == 'B' || b[2] == 65 || b[2] == 66 {
				n = 4
			}
			if !need(b, n) {
				return 0
			}
			d.flush()
			d.items = append(d.items, Item{Cut: true})
			return n
		case '(':
			if !need(b, 5) {
				return 0
			}
			size := int(b[3]) | int(b[4])<<8
			if !need(b, 5+size) {
				return 0
			}
			if b[2] == 'k' && size >= 2 && b[5] == '1' {
				switch b[6] {
				case 'P':
					d.qr = string(b[8 : 5+size])
				case 'Q':
					d.flush()
					d.items = append(d.items, Item{QR: d.qr, Align: d.align})
				}
			}
			return 5 + size
		case 'v':
			if !need(b, 8) {
				return 0
			}
			wb := int(b[4]) | int(b[5])<<8
			h := int(b[6]) | int(b[7])<<8
			if !need(b, 8+wb*h) {
				return 0
			}
			img := image.NewGray(image.Rect(0, 0, wb*8, h))
			for y := range h {
				for x := range wb * 8 {
					v := uint8(255)
					if b[8+y*wb+x/8]&(0x80>>(x%8)) != 0 {
						v = 0
					}
					img.Pix[y*img.Stride+x] = v
				}
			}
			d.flush()
			d.items = append(d.items, Item{Raster: img, Align: d.align})
			return 8 + wb*h
		}
		if !need(b, 3) {
			return 0
		}
		return 3 // GS x n, unknown
	}
	// A character: one byte, or a Chinese character of 2 (4 in GB18030).
	n := 1
	if d.chinese && b[0] >= 0x81 {
		n = 2
		if !need(b, 2) {
			return 0
		}
		if d.cp == escpos.CodepageGB18030 && b[1] >= 0x30 && b[1] <= 0x39 {
			n = 4
		}
		if !need(b, n) {
			return 0
		}
	}
	if b[0] >= 0x20 {
		d.line = append(d.line, b[:n]...)
	}
	return n
}

func (d *decoder) reset() {
	d.flush()
	d.chinese, d.align, d.bold, d.big = false, receipt.Left, false, false
}

// flush ends the line being printed, if any.
func (d *decoder) flush() {
	if d.line == nil {
		return
	}
	var enc encoding.Encoding = charmap.CodePage437
	if d.chinese {
		enc = codepageEncoding(d.cp)
	}
	text, err := enc.NewDecoder().String(string(d.line))
	if err != nil {
		text = string(d.line)
	}
	d.items = append(d.items, Item{Text: text, Align: d.align, Bold: d.bold, Big: d.big})
	d.line = nil
}

// Decode reads a whole ESC/POS job as a printer set to code page cp
// (big5 or gb18030 for its Chinese mode) prints it.
func Decode(data []byte, cp escpos.Codepage) []Item {
	d := &decoder{cp: cp}
	n := d.feed(data)
	d.line = append(d.line, data[n:]...) // a cut-off command prints as text
	if len(d.line) == 0 {
		d.line = nil
	}
	d.flush()
	return d.items
}
