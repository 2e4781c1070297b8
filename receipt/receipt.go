// Package receipt lays out qfpos's paper receipts as lines of text for a
// thermal printer: a paid sale, a refund, and the end-of-day report, in
// English, 繁體中文 or 简体中文, for 58 mm paper (32 characters a line in
// ESC/POS Font A) or 80 mm paper (48).
//
// A receipt is printer-neutral: a list of Lines, each with its alignment,
// weight and size, a QR code, or a cut. Package escpos turns it into
// printer bytes. Widths are counted the way a receipt printer prints them:
// a Chinese character (East Asian wide or fullwidth) takes two columns.
package receipt

import (
	"strings"
	"time"

	"golang.org/x/text/width"
)

// Align is where a line sits on the paper.
type Align int

// Alignments.
const (
	Left Align = iota
	Center
	Right
)

// Line is one printed line, a QR code, or a cut.
type Line struct {
	Text  string
	Align Align
	Bold  bool
	Big   bool   // double width and height: Text fits in half the columns
	QR    string // when set, a QR code of this payload instead of Text
	Cut   bool   // feed and cut the paper here
}

// Receipt is a laid-out receipt.
type Receipt struct {
	Columns int // characters a line holds (Font A)
	Lines   []Line
}

// Text is the receipt as plain text, one printed line a line; a QR code
// is shown as "[QR payload]" and a cut as a row of scissors-free dashes.
func (r *Receipt) Text() string {
	var b strings.Builder
	for _, l := range r.Lines {
		switch {
		case l.Cut:
			b.WriteString("--- cut ---\n")
		case l.QR != "":
			b.WriteString("[QR " + l.QR + "]\n")
		default:
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

// Paper widths in millimetres.
const (
	Paper58 = 58
	Paper80 = 80
)

// Columns is the number of Font A characters (12×24 dots) a line of paper
// holds: 32 on 58 mm paper, 48 on 80 mm paper.
func Columns(paper int) int {
	if paper == Paper58 {
		return 32
	}
	return 48
}

// Width is the number of columns s takes on a receipt printer: two for an
// East Asian wide or fullwidth character (Chinese), one for any other.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// RuneWidth is the number of columns r takes: 2 for East Asian wide and
// fullwidth characters, 0 for control characters, else 1.
func RuneWidth(r rune) int {
	if r < 0x20 || r == 0x7f {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// Wrap breaks s into lines of at most cols columns, at spaces where it can
// and between any two characters where it must (Chinese has no spaces).
func Wrap(s string, cols int) []string {
	s = clean(s)
	if cols < 2 {
		cols = 2
	}
	var out []string
	for Width(s) > cols {
		cut, w, lastSpace := 0, 0, -1
		for i, r := range s {
			rw := RuneWidth(r)
			if w+rw > cols {
				break
			}
			w += rw
			cut = i + len(string(r))
			if r == ' ' {
				lastSpace = i
			}
		}
		if lastSpace > 0 {
			cut = lastSpace
		}
		out = append(out, strings.TrimRight(s[:cut], " "))
		s = strings.TrimLeft(s[cut:], " ")
	}
	return append(out, s)
}

// clean drops control characters (an ESC in a goods name must never reach
// the printer as a command) and folds runs of white space.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Pair lays out a label on the left and a value on the right of one line
// of cols columns, or, when they do not fit together, the label on one
// line and the value right-aligned below it.
func Pair(label, value string, cols int) []string {
	label, value = clean(label), clean(value)
	gap := cols - Width(label) - Width(value)
	if gap >= 1 {
		return []string{label + strings.Repeat(" ", gap) + value}
	}
	out := Wrap(label, cols)
	for _, v := range Wrap(value, cols) {
		out = append(out, strings.Repeat(" ", max(cols-Width(v), 0))+v)
	}
	return out
}

// builder collects the lines of one receipt.
type builder struct {
	r    *Receipt
	tr   texts
	opts Options
}

func (b *builder) add(l Line) { b.r.Lines = append(b.r.Lines, l) }

// text adds s, wrapped to the paper.
func (b *builder) text(s string, align Align, bold bool) {
	for _, l := range Wrap(s, b.r.Columns) {
		b.add(Line{Text: l, Align: align, Bold: bold})
	}
}

// big adds s in double size, wrapped to half the paper.
func (b *builder) big(s string, align Align) {
	for _, l := range Wrap(s, b.r.Columns/2) {
		b.add(Line{Text: l, Align: align, Bold: true, Big: true})
	}
}

func (b *builder) pair(label, value string, bold bool) {
	for _, l := range Pair(label, value, b.r.Columns) {
		b.add(Line{Text: l, Bold: bold})
	}
}

func (b *builder) rule() { b.add(Line{Text: strings.Repeat("-", b.r.Columns)}) }

func (b *builder) blank() { b.add(Line{}) }

// time formats t in the merchant's zone.
func (b *builder) time(t time.Time) string {
	return t.In(b.opts.location()).Format("2006-01-02 15:04:05")
}
