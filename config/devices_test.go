package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDeviceSettings(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		ok         bool
	}{
		{"printer", "tcp://192.168.1.50:9100", true},
		{"printer", "/dev/usb/lp0", true},
		{"printer", "cups:TM-T82", true},
		{"printer", "cups:-o evil", false},
		{"printer", "192.168.1.50", false},
		{"printer", "tcp://", false},
		{"printer_paper", "58", true},
		{"printer_paper", "76", false},
		{"printer_codepage", "GB18030", true},
		{"printer_codepage", "utf8", false},
		{"printer_auto", "false", true},
		{"printer_auto", "maybe", false},
		{"voice", "false", true},
		{"voice_volume", "0", true},
		{"voice_volume", "101", false},
		{"voice_volume", "-1", false},
	} {
		env := map[string]string{"QFPOS_" + strings.ToUpper(tc.key): tc.value}
		_, err := Load(Options{Path: filepath.Join(t.TempDir(), "none.toml"), LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
		if tc.ok && err != nil && strings.Contains(err.Error(), strings.ToUpper(tc.key)) {
			t.Errorf("%s=%q refused: %v", tc.key, tc.value, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "QFPOS_"+strings.ToUpper(tc.key))) {
			t.Errorf("%s=%q accepted (err %v)", tc.key, tc.value, err)
		}
	}
}

func TestDeviceSettingsSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := UpdateFile(path, func(c *Config) {
		c.Printer, c.PrinterPaper, c.PrinterCodepage, c.PrinterAuto, c.Voice, c.VoiceVolume = "cups:receipts", 58, "big5", false, false, 30
	}); err != nil {
		t.Fatal(err)
	}
	c, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Printer != "cups:receipts" || c.PrinterPaper != 58 || c.PrinterCodepage != "big5" || c.PrinterAuto || c.Voice || c.VoiceVolume != 30 {
		t.Errorf("read back %+v", c)
	}
}
