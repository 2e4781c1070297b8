package money_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/qfpos/qfpos/money"
)

func TestParse(t *testing.T) {
	hkd, jpy := money.MustLookup("HKD"), money.MustLookup("JPY")
	tests := []struct {
		cur  money.Currency
		in   string
		max  int64
		want int64
		err  error
	}{
		{hkd, "12.50", 0, 1250, nil},
		{hkd, "12.5", 0, 1250, nil},
		{hkd, "12", 0, 1200, nil},
		{hkd, "0.01", 0, 1, nil},
		{hkd, " 0.01 ", 0, 0, money.ErrSyntax},
		{hkd, " 12.50", 0, 0, money.ErrSyntax},
		{hkd, "12.50 ", 0, 0, money.ErrSyntax},
		{hkd, "12.50\n", 0, 0, money.ErrSyntax},
		{hkd, "1 2", 0, 0, money.ErrSyntax},
		{hkd, ".5", 0, 0, money.ErrSyntax},
		{hkd, "9.", 0, 0, money.ErrSyntax},
		{hkd, "1.", 0, 0, money.ErrSyntax},
		{hkd, "-.5", 0, 0, money.ErrNotPositive},
		{hkd, "1E3", 0, 0, money.ErrSyntax},
		{hkd, "1_000", 0, 0, money.ErrSyntax},
		{hkd, "１２", 0, 0, money.ErrSyntax}, // full-width digits
		{hkd, "12.50.", 0, 0, money.ErrSyntax},
		{hkd, "0012.00", 0, 1200, nil},
		{hkd, "8.20", 0, 820, nil}, // float64 gives 819
		{hkd, "19.90", 0, 1990, nil},
		{hkd, "", 0, 0, money.ErrEmpty},
		{hkd, "   ", 0, 0, money.ErrEmpty},
		{hkd, "0", 0, 0, money.ErrNotPositive},
		{hkd, "0.00", 0, 0, money.ErrNotPositive},
		{hkd, "-5", 0, 0, money.ErrNotPositive},
		{hkd, "1.234", 0, 0, money.ErrTooPrecise},
		{hkd, "abc", 0, 0, money.ErrSyntax},
		{hkd, "1e3", 0, 0, money.ErrSyntax},
		{hkd, "1,000", 0, 0, money.ErrSyntax},
		{hkd, "1.2.3", 0, 0, money.ErrSyntax},
		{hkd, ".", 0, 0, money.ErrSyntax},
		{hkd, "+5", 0, 0, money.ErrSyntax},
		{hkd, "NaN", 0, 0, money.ErrSyntax},
		{hkd, "1000000000", 0, 0, money.ErrTooLarge},
		{hkd, "99999999999999999999999999999", 0, 0, money.ErrTooLarge},
		{hkd, "100.01", 10000, 0, money.ErrTooLarge},
		{hkd, "100.00", 10000, 10000, nil},
		{jpy, "500", 0, 500, nil},
		{jpy, "500.", 0, 0, money.ErrSyntax},
		{jpy, "500.5", 0, 0, money.ErrTooPrecise},
		{jpy, "500.0", 0, 0, money.ErrTooPrecise},
	}
	for _, tt := range tests {
		t.Run(tt.cur.Code+"/"+tt.in, func(t *testing.T) {
			got, err := tt.cur.Parse(tt.in, tt.max)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		code  string
		minor int64
		dec   string
		human string
	}{
		{"HKD", 1250, "12.50", "HK$12.50"},
		{"HKD", 5, "0.05", "HK$0.05"},
		{"HKD", 123456789, "1234567.89", "HK$1,234,567.89"},
		{"JPY", 500, "500", "¥500"},
		{"JPY", 1500, "1500", "¥1,500"},
		{"CNY", 100, "1.00", "CN¥1.00"},
		{"USD", 99, "0.99", "$0.99"},
		{"SGD", 1000, "10.00", "SGD 10.00"},
	}
	for _, tt := range tests {
		c := money.MustLookup(tt.code)
		if got := c.Decimal(tt.minor); got != tt.dec {
			t.Errorf("%s Decimal(%d) = %q, want %q", tt.code, tt.minor, got, tt.dec)
		}
		if got := c.Format(tt.minor); got != tt.human {
			t.Errorf("%s Format(%d) = %q, want %q", tt.code, tt.minor, got, tt.human)
		}
		back, err := c.Parse(c.Decimal(tt.minor), 0)
		if err != nil || back != tt.minor {
			t.Errorf("%s round trip %d → %q → %d, %v", tt.code, tt.minor, c.Decimal(tt.minor), back, err)
		}
	}
}

func TestFormatDecimal(t *testing.T) {
	hkd, jpy, sgd := money.MustLookup("HKD"), money.MustLookup("JPY"), money.MustLookup("SGD")
	for _, tt := range []struct {
		c    money.Currency
		in   string
		want string
	}{
		{hkd, "12.50", "HK$12.50"},
		{hkd, "12.", "HK$12."},
		{hkd, "0.5", "HK$0.5"},
		{hkd, "1234.5", "HK$1,234.5"},
		{hkd, "1234567", "HK$1,234,567"},
		{hkd, "123", "HK$123"},
		{jpy, "500", "¥500"},
		{jpy, "1500", "¥1,500"},
		{sgd, "1000.25", "SGD 1,000.25"},
	} {
		if got := tt.c.FormatDecimal(tt.in); got != tt.want {
			t.Errorf("%s FormatDecimal(%q) = %q, want %q", tt.c.Code, tt.in, got, tt.want)
		}
	}
	if got := hkd.Format(-123456); got != "-HK$1,234.56" {
		t.Errorf("Format(-123456) = %q", got)
	}
}

func TestLookup(t *testing.T) {
	for _, code := range money.Currencies {
		if _, err := money.Lookup(code); err != nil {
			t.Errorf("Lookup(%s): %v", code, err)
		}
	}
	for _, bad := range []string{"", "XXX", "GBP", "hkdd"} {
		if _, err := money.Lookup(bad); !errors.Is(err, money.ErrUnknownCurrency) {
			t.Errorf("Lookup(%q) = %v, want ErrUnknownCurrency", bad, err)
		}
	}
	if c, err := money.Lookup(" hkd "); err != nil || c.Code != "HKD" || c.Exponent != 2 {
		t.Errorf("Lookup(hkd) = %+v, %v", c, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.50", "0", "1e9", "-1", ".", "99999999999"} {
		f.Add(s)
	}
	hkd := money.MustLookup("HKD")
	grammar := regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`) // the documented one
	f.Fuzz(func(t *testing.T, s string) {
		v, err := hkd.Parse(s, 0)
		if err != nil {
			return
		}
		if !grammar.MatchString(s) {
			t.Fatalf("Parse(%q) = %d, but it is not an amount by the documented grammar", s, v)
		}
		if v <= 0 || v > money.MaxTxamt {
			t.Fatalf("Parse(%q) = %d out of range", s, v)
		}
		if back, err := hkd.Parse(hkd.Decimal(v), 0); err != nil || back != v {
			t.Fatalf("round trip of %q: %d → %d, %v", s, v, back, err)
		}
	})
}

func ExampleCurrency_Parse() {
	hkd := money.MustLookup("HKD")
	txamt, err := hkd.Parse("12.50", 0)
	fmt.Println(txamt, err, hkd.Format(txamt))
	// Output: 1250 <nil> HK$12.50
}
