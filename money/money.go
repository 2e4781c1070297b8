// Package money parses and formats amounts of money as integers in a
// currency's minor unit, the way QFPay's txamt carries them.
//
// Amounts never pass through a float: "12.50" HKD is parsed as a decimal
// string into 1250. Currency exponents come from CLDR (golang.org/x/text),
// so JPY has none ("500" is 500 yen) and HKD has two.
//
// Currency.Parse is strict, and the one parser of typed amounts: digits,
// then optionally '.' and at most the currency's decimals ("12", "12.5",
// "12.50"); no spaces, signs, grouping, exponents, or a point without
// digits on both sides (".5", "5.").
//
// For IDR and MMK the sources disagree: CLDR gives no decimals, ISO 4217
// gives two, and QFPay's documentation says neither, so a guess would make
// txamt 100 times too large or too small. Disputed names them, for the
// configuration to refuse them unless their exponent is stated
// (currency_exponent), and SetExponent states it; until then Lookup gives
// CLDR's.
package money

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// MaxTxamt is the largest txamt QFPay's Int(11) field can carry.
const MaxTxamt int64 = 99_999_999_999

// Currencies are the ISO 4217 codes QFPay accepts for txcurrcd
// (qfpay-api.md §8).
var Currencies = []string{"AED", "AUD", "CAD", "CNY", "EUR", "HKD", "IDR", "JPY", "MMK", "MYR", "SGD", "THB", "USD"}

// Currency is an ISO 4217 currency with what qfpos needs to show it.
type Currency struct {
	Code     string // e.g. "HKD"
	Exponent int    // digits after the decimal point: 2 for HKD, 0 for JPY
	Symbol   string // e.g. "HK$", "¥"; the code itself when CLDR has no symbol
}

// Errors returned by Lookup and Parse; each is wrapped with detail.
var (
	ErrUnknownCurrency = errors.New("unknown currency")
	ErrEmpty           = errors.New("no amount")
	ErrSyntax          = errors.New("not an amount")
	ErrNotPositive     = errors.New("amount must be more than zero")
	ErrTooPrecise      = errors.New("too many decimals")
	ErrTooLarge        = errors.New("amount too large")
)

// disputed are the currencies whose exponent CLDR and ISO 4217 disagree
// on, and QFPay does not state: CLDR's and ISO 4217's.
var disputed = map[string][2]int{"IDR": {0, 2}, "MMK": {0, 2}}

var (
	statedMu sync.RWMutex
	stated   = map[string]int{} // by SetExponent
)

// Disputed reports whether code is a currency whose exponent the sources
// disagree on (IDR, MMK): taking payments in it needs the exponent stated
// (SetExponent), never a guess. why says so, for an error message.
func Disputed(code string) (why string, ok bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	d, ok := disputed[code]
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%s has no agreed number of decimals: CLDR gives %d, ISO 4217 gives %d and QFPay's documentation says neither, so a guess would charge 100 times too much or too little", code, d[0], d[1]), true
}

// SetExponent states the exponent of a currency whose exponent the sources
// disagree on (IDR, MMK; see Disputed), as confirmed with QFPay: from then
// on Lookup gives it. It is meant to be called once, from the
// configuration, before amounts are parsed or shown.
func SetExponent(code string, exponent int) error {
	code = strings.ToUpper(strings.TrimSpace(code))
	if _, ok := disputed[code]; !ok {
		return fmt.Errorf("%w %q: its exponent is not in doubt (only IDR and MMK need one stated)", ErrUnknownCurrency, code)
	}
	if exponent < 0 || exponent > 3 {
		return fmt.Errorf("exponent %d of %s is not 0 to 3", exponent, code)
	}
	statedMu.Lock()
	stated[code] = exponent
	statedMu.Unlock()
	return nil
}

// Lookup returns the currency for an ISO 4217 code that QFPay accepts.
// For IDR and MMK the exponent is the one SetExponent stated, else CLDR's
// (see Disputed).
func Lookup(code string) (Currency, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	supported := false
	for _, c := range Currencies {
		if c == code {
			supported = true
			break
		}
	}
	if !supported {
		return Currency{}, fmt.Errorf("%w %q (QFPay takes %s)", ErrUnknownCurrency, code, strings.Join(Currencies, ", "))
	}
	unit, err := currency.ParseISO(code)
	if err != nil {
		return Currency{}, fmt.Errorf("%w %q", ErrUnknownCurrency, code)
	}
	scale, _ := currency.Standard.Rounding(unit)
	statedMu.RLock()
	if e, ok := stated[code]; ok {
		scale = e
	}
	statedMu.RUnlock()
	sym := message.NewPrinter(language.English).Sprint(currency.Symbol(unit))
	return Currency{Code: code, Exponent: scale, Symbol: sym}, nil
}

// MustLookup is Lookup for codes known to be valid; it panics otherwise.
func MustLookup(code string) Currency {
	c, err := Lookup(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Parse reads a decimal amount in major units and returns it in minor
// units. It is the one parser of typed amounts: the CLI, the GUI and the
// local API all use it, so they take and refuse the same strings.
//
// An amount is digits, optionally followed by a '.' and one or more
// digits, no more than the currency has decimals: for HKD "12", "12.5",
// "12.50" and "0.01" are amounts; for JPY only whole numbers are. Nothing
// else is: not spaces around it (" 12.50"), a point without digits on
// both sides (".5", "5."), a sign ("+5", "-5"), grouping ("1,000"), an
// exponent ("1e3") or more decimals than the currency has ("1.234").
// Zero and amounts above max (minor units; 0 means MaxTxamt) are refused
// too. Each error wraps one of ErrEmpty, ErrSyntax, ErrNotPositive,
// ErrTooPrecise or ErrTooLarge and says what is wrong in a plain sentence.
func (c Currency) Parse(s string, max int64) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, ErrEmpty
	}
	if strings.TrimSpace(s) != s {
		return 0, fmt.Errorf("%w: %q has spaces around it", ErrSyntax, s)
	}
	if s[0] == '-' {
		return 0, fmt.Errorf("%w: %q is negative", ErrNotPositive, s)
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return 0, fmt.Errorf("%w: %q (use digits and at most one '.', like 12.50)", ErrSyntax, s)
		}
	}
	whole, frac, dot := strings.Cut(s, ".")
	if strings.Contains(frac, ".") {
		return 0, fmt.Errorf("%w: %q has more than one '.'", ErrSyntax, s)
	}
	if dot && (whole == "" || frac == "") {
		return 0, fmt.Errorf("%w: %q needs digits on both sides of the '.' (like 0.50 or 5)", ErrSyntax, s)
	}
	if len(frac) > c.Exponent {
		if c.Exponent == 0 {
			return 0, fmt.Errorf("%w: %s has no decimals", ErrTooPrecise, c.Code)
		}
		return 0, fmt.Errorf("%w: %s has %d", ErrTooPrecise, c.Code, c.Exponent)
	}
	if max <= 0 || max > MaxTxamt {
		max = MaxTxamt
	}
	if len(strings.TrimLeft(strings.Replace(s, ".", "", 1), "0")) > 19 {
		return 0, fmt.Errorf("%w: the most is %s", ErrTooLarge, c.Format(max))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	minor := d.Shift(int32(c.Exponent))
	if !minor.IsInteger() {
		return 0, fmt.Errorf("%w: %s has %d", ErrTooPrecise, c.Code, c.Exponent)
	}
	if minor.Sign() <= 0 {
		return 0, ErrNotPositive
	}
	if minor.GreaterThan(decimal.NewFromInt(max)) {
		return 0, fmt.Errorf("%w: the most is %s", ErrTooLarge, c.Format(max))
	}
	return minor.IntPart(), nil
}

// Decimal formats minor units as a plain decimal string: 1250 HKD → "12.50",
// 500 JPY → "500".
func (c Currency) Decimal(minor int64) string {
	return decimal.New(minor, -int32(c.Exponent)).StringFixed(int32(c.Exponent))
}

// Format formats minor units for people: 1250 HKD → "HK$12.50",
// 500 JPY → "¥500", with thousands separators ("HK$1,234.50").
func (c Currency) Format(minor int64) string {
	if minor < 0 {
		return "-" + c.FormatDecimal(c.Decimal(-minor))
	}
	return c.FormatDecimal(c.Decimal(minor))
}

// FormatDecimal formats a decimal string in major units (digits and at
// most one '.') the way Format formats an amount, keeping its decimals
// as they are: "1234.5" HKD → "HK$1,234.5", "12." → "HK$12.". It shows
// an amount as it is being typed.
func (c Currency) FormatDecimal(s string) string {
	whole, frac, dot := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(c.Symbol)
	if c.Symbol == c.Code {
		b.WriteByte(' ')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if dot {
		b.WriteString("." + frac)
	}
	return b.String()
}
