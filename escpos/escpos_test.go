package escpos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/qfpos/qfpos/receipt"
)

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]string{
		"tcp://192.168.1.50:9100": "tcp://192.168.1.50:9100",
		"tcp://printer.local":     "tcp://printer.local:9100",
		"tcp://[::1]:9101":        "tcp://[::1]:9101",
		"/dev/usb/lp0":            "/dev/usb/lp0",
		"cups:TM_T82":             "cups:TM_T82",
		"cups:-o":                 "",
		"cups:":                   "",
		"192.168.1.50":            "",
		"tcp://u:p@host:9100":     "",
		"tcp://host:9100/x":       "",
		"http://host":             "",
	} {
		got, err := ParseTarget(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParseTarget(%q) = %v, want an error", in, got)
			}
			continue
		}
		if err != nil || got.String() != want {
			t.Errorf("ParseTarget(%q) = %v, %v, want %s", in, got, err, want)
		}
	}
}

// TestEncodeNeverPassesCommands: a goods name holding ESC/POS commands
// prints as text; no byte of it acts as a command (here: no cut).
func TestEncodeNeverPassesCommands(t *testing.T) {
	r := &receipt.Receipt{Columns: 32, Lines: []receipt.Line{{Text: "tea\x1dVA\x03\x1b@"}}}
	data, err := Encode(r, Options{Codepage: CodepageBig5, Paper: 58})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte{0x1d, 'V'}) || bytes.Count(data, []byte{0x1b, '@'}) != 1 {
		t.Errorf("commands from the text reached the printer: %q", data)
	}
}

func TestEncodeBig5AndGB18030(t *testing.T) {
	r := &receipt.Receipt{Columns: 32, Lines: []receipt.Line{{Text: "收款"}}}
	for cp, want := range map[Codepage][]byte{
		CodepageBig5:    {0xa6, 0xac, 0xb4, 0xda},
		CodepageGB18030: {0xca, 0xd5, 0xbf, 0xee},
		CodepageASCII:   []byte("??"),
	} {
		data, _ := Encode(r, Options{Codepage: cp, Paper: 58})
		if !bytes.Contains(data, want) {
			t.Errorf("%s: % x lacks % x", cp, data, want)
		}
		if chinese := bytes.Contains(data, []byte{0x1c, '&'}); chinese != (cp != CodepageASCII) {
			t.Errorf("%s: FS & %v", cp, chinese)
		}
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		b    [3]byte
		want error
	}{
		{[3]byte{0x12, 0x12, 0x12}, nil},
		{[3]byte{0x12, 0x12, 0x1e}, nil}, // paper low still prints
		{[3]byte{0x12, 0x32, 0x72}, ErrOutOfPaper},
		{[3]byte{0x12, 0x16, 0x12}, ErrCoverOpen},
		{[3]byte{0x1a, 0x12, 0x12}, ErrOffline},
	} {
		st, err := ParseStatus(tc.b[0], tc.b[1], tc.b[2])
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Err(); !errors.Is(got, tc.want) && !(got == nil && tc.want == nil) {
			t.Errorf("% x: %v, want %v", tc.b, got, tc.want)
		}
	}
	if _, err := ParseStatus(0xff, 0x12, 0x12); err == nil {
		t.Error("0xff taken as a status")
	}
}

func TestDeviceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Print(context.Background(), path, []byte("receipt")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "receipt" {
		t.Errorf("device got %q", b)
	}
	err := Print(context.Background(), filepath.Join(t.TempDir(), "nope"), []byte("x"))
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("missing device: %v", err)
	}
}
