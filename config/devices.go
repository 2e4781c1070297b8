package config

import (
	"fmt"
	"strconv"
	"strings"
)

// The settings of the receipt printer (package escpos) and of the spoken
// amount (package voice), added to the others at start-up.
func init() { settings = append(settings, deviceSettings...) }

var deviceSettings = []setting{
	{"printer", "QFPOS_PRINTER", "printer", `receipt printer: tcp://HOST:9100, a device such as /dev/usb/lp0, or cups:QUEUE ("" for none)`, func(c *Config, v string) (string, string) {
		v = strings.TrimSpace(v)
		if problem := checkPrinter(v); problem != "" {
			return problem, "use tcp://192.168.1.50:9100, /dev/usb/lp0 or cups:QUEUE"
		}
		c.Printer = v
		return "", ""
	}},
	{"printer_paper", "QFPOS_PRINTER_PAPER", "", "receipt paper width in mm: 58 (32 characters a line) or 80 (48), default 80", func(c *Config, v string) (string, string) {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "mm"))
		if err != nil || n != 58 && n != 80 {
			return fmt.Sprintf("%q is not 58 or 80", v), "measure the paper roll: 58 or 80"
		}
		c.PrinterPaper = n
		return "", ""
	}},
	{"printer_codepage", "QFPOS_PRINTER_CODEPAGE", "", "how the printer takes text: auto (Big5, GB18030 for zh-Hans/CNY), big5, gb18030, raster (bitmaps, for printers with no Chinese font) or ascii", func(c *Config, v string) (string, string) {
		switch m := strings.ToLower(strings.TrimSpace(v)); m {
		case "", "auto":
			c.PrinterCodepage = "auto"
			return "", ""
		case "big5", "gb18030", "raster", "ascii":
			c.PrinterCodepage = m
			return "", ""
		}
		return fmt.Sprintf("%q is not a code page", v), "use auto, big5, gb18030, raster or ascii"
	}},
	{"printer_auto", "QFPOS_PRINTER_AUTO", "", "print a receipt after every paid sale (true, default) or only on the Print button (false)", func(c *Config, v string) (string, string) {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Sprintf("%q is not true or false", v), ""
		}
		c.PrinterAuto = b
		return "", ""
	}},
	{"voice", "QFPOS_VOICE", "", "say the amount of a paid sale aloud in the app's language with espeak-ng (true, default, or false: the chime alone)", func(c *Config, v string) (string, string) {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Sprintf("%q is not true or false", v), ""
		}
		c.Voice = b
		return "", ""
	}},
	{"voice_volume", "QFPOS_VOICE_VOLUME", "", "loudness of the spoken amount, 0–100 (default 80)", func(c *Config, v string) (string, string) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > 100 {
			return fmt.Sprintf("%q is not a volume from 0 to 100", v), "write it like 80"
		}
		c.VoiceVolume = n
		return "", ""
	}},
}

// checkPrinter checks the form of a printer setting (package escpos reads
// it): "" for no problem.
func checkPrinter(v string) string {
	switch {
	case v == "":
		return ""
	case strings.HasPrefix(v, "tcp://"):
		host := strings.TrimPrefix(v, "tcp://")
		if host == "" || strings.ContainsAny(host, "/?#@ ") {
			return fmt.Sprintf("%q is not tcp://HOST:PORT", v)
		}
		return ""
	case strings.HasPrefix(v, "cups:"):
		q := strings.TrimPrefix(v, "cups:")
		if q == "" || strings.HasPrefix(q, "-") || strings.ContainsAny(q, " \t/#") {
			return fmt.Sprintf("%q is not cups:QUEUE", v)
		}
		return ""
	case strings.HasPrefix(v, "/"), strings.HasPrefix(v, `\\`):
		return ""
	case len(v) >= 3 && (strings.EqualFold(v[:3], "COM") || strings.EqualFold(v[:3], "LPT")):
		return ""
	}
	return fmt.Sprintf("%q is not a printer", v)
}

// putDevices writes the device settings that differ from the defaults.
func (c *Config) putDevices(put func(k string, v, def any)) {
	d := Defaults()
	put("printer", c.Printer, d.Printer)
	put("printer_paper", c.PrinterPaper, d.PrinterPaper)
	put("printer_codepage", c.PrinterCodepage, d.PrinterCodepage)
	put("printer_auto", c.PrinterAuto, d.PrinterAuto)
	put("voice", c.Voice, d.Voice)
	put("voice_volume", c.VoiceVolume, d.VoiceVolume)
}
