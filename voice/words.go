package voice

import (
	"strings"

	"github.com/qfpos/qfpos/money"
)

// Words says an amount of money (minor units of cur) the way people say
// it at a counter in lang: "十二元五角" in Mandarin (zh-Hans), "十二蚊五毫"
// in colloquial Cantonese (zh-Hant), "twelve dollars fifty" in English
// (any other language). Yen have no minor unit: "五百日元", "五百円",
// "five hundred yen". A negative amount is said as its absolute value.
func Words(lang string, minor int64, cur money.Currency) string {
	if minor < 0 {
		minor = -minor
	}
	major, frac := splitMinor(minor, cur.Exponent)
	switch lang {
	case "zh-Hans":
		return mandarin(major, frac, cur)
	case "zh-Hant":
		return cantonese(major, frac, cur)
	}
	return english(major, frac, cur)
}

// Phrase is the whole announcement of a payment received, in lang:
// "WeChat Pay received twelve dollars fifty", "微信收款十二元五角",
// "微信收款十二蚊五毫".
func Phrase(lang string, minor int64, cur money.Currency) string {
	w := Words(lang, minor, cur)
	switch lang {
	case "zh-Hans":
		return "微信收款" + w
	case "zh-Hant":
		return "微信收款" + w
	}
	return "WeChat Pay received " + w
}

// splitMinor splits minor units into the whole units and the digits after
// the decimal point (exactly exp of them).
func splitMinor(minor int64, exp int) (major int64, frac string) {
	p := int64(1)
	for range exp {
		p *= 10
	}
	major = minor / p
	if exp == 0 {
		return major, ""
	}
	s := "0000000000" + itoa(minor%p)
	return major, s[len(s)-exp:]
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// --- English ---

var ones = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var tens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// englishNumber says n in words: 1234 → "one thousand two hundred thirty-four".
func englishNumber(n int64) string {
	if n < 20 {
		return ones[n]
	}
	if n < 100 {
		if n%10 == 0 {
			return tens[n/10]
		}
		return tens[n/10] + "-" + ones[n%10]
	}
	if n < 1000 {
		s := ones[n/100] + " hundred"
		if n%100 != 0 {
			s += " " + englishNumber(n%100)
		}
		return s
	}
	for _, sc := range []struct {
		v    int64
		name string
	}{{1_000_000_000, "billion"}, {1_000_000, "million"}, {1000, "thousand"}} {
		if n >= sc.v {
			s := englishNumber(n/sc.v) + " " + sc.name
			if n%sc.v != 0 {
				s += " " + englishNumber(n%sc.v)
			}
			return s
		}
	}
	return itoa(n)
}

// englishUnit names a currency's major unit, singular and plural.
func englishUnit(code string) (one, many string) {
	switch code {
	case "HKD", "USD", "AUD", "CAD", "SGD":
		return "dollar", "dollars"
	case "CNY":
		return "yuan", "yuan"
	case "JPY":
		return "yen", "yen"
	case "EUR":
		return "euro", "euros"
	case "THB":
		return "baht", "baht"
	case "MYR":
		return "ringgit", "ringgit"
	case "AED":
		return "dirham", "dirhams"
	case "IDR":
		return "rupiah", "rupiah"
	case "MMK":
		return "kyat", "kyat"
	}
	return code, code
}

func english(major int64, frac string, cur money.Currency) string {
	one, many := englishUnit(cur.Code)
	unit := many
	if major == 1 {
		unit = one
	}
	if len(frac) != 2 {
		s := englishNumber(major)
		if strings.Trim(frac, "0") != "" {
			s += " point"
			for _, d := range frac {
				s += " " + ones[d-'0']
			}
		}
		return s + " " + many
	}
	cents := int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	switch {
	case cents == 0:
		return englishNumber(major) + " " + unit
	case major == 0:
		if cents == 1 {
			return "one cent"
		}
		return englishNumber(cents) + " cents"
	}
	return englishNumber(major) + " " + unit + " " + englishNumber(cents)
}

// --- Chinese ---

// chineseDigits are the numerals in the form both scripts share.
var chineseDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// chineseNumber says n in Chinese numerals: 1234 → 一千二百三十四,
// 105 → 一百零五, 12 → 十二. big are the names of 10⁴ and 10⁸ (万/亿 or
// 萬/億), two is the form of a leading 2 before 百, 千, 万 (两/兩).
func chineseNumber(n int64, big [2]string, two string) string {
	if n == 0 {
		return "零"
	}
	// Groups of four digits, highest first.
	var groups []int64
	for m := n; m > 0; m /= 10000 {
		groups = append([]int64{m % 10000}, groups...)
	}
	names := []string{"", big[0], big[1], big[0] + big[1]}
	var b strings.Builder
	zero := false // a zero is owed before the next digit
	for i, g := range groups {
		scale := names[len(groups)-1-i]
		if g == 0 {
			zero = b.Len() > 0
			continue
		}
		if b.Len() > 0 && g < 1000 {
			zero = true
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(chineseGroup(g, b.Len() == 0, two))
		b.WriteString(scale)
	}
	return b.String()
}

// chineseGroup says 1–9999; first says whether it opens the number (then
// 10–19 drop the 一: 十二, and a leading 2 before 百/千 is two).
func chineseGroup(g int64, first bool, two string) string {
	units := []string{"千", "百", "十", ""}
	d := [4]int64{g / 1000, g / 100 % 10, g / 10 % 10, g % 10}
	var b strings.Builder
	started, zero := false, false
	for i, v := range d {
		if v == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		switch {
		case i == 2 && v == 1 && !started && first:
			// 十二, not 一十二
		case v == 2 && !started && first && (i == 0 || i == 1):
			b.WriteString(two)
		default:
			b.WriteString(chineseDigits[v])
		}
		b.WriteString(units[i])
		started = true
	}
	return b.String()
}

// small says a count of 1–9 before a measure word (五角, 两分/兩毫).
func small(d byte, two string) string {
	if d == '2' {
		return two
	}
	return chineseDigits[d-'0']
}

// chineseAmount joins the whole units and the fraction: unit names the
// major unit, jiao and fen the tenths and hundredths.
func chineseAmount(major int64, frac string, unit, jiao, fen string, big [2]string, two, point string) string {
	var b strings.Builder
	if major > 0 || strings.Trim(frac, "0") == "" {
		if major == 2 {
			b.WriteString(two)
		} else {
			b.WriteString(chineseNumber(major, big, two))
		}
		if len(frac) != 2 && strings.Trim(frac, "0") != "" {
			b.WriteString(point)
			for _, d := range frac {
				b.WriteString(chineseDigits[d-'0'])
			}
		}
		b.WriteString(unit)
	}
	if len(frac) != 2 {
		return b.String()
	}
	switch {
	case frac[0] != '0':
		b.WriteString(small(frac[0], two) + jiao)
		if frac[1] != '0' {
			b.WriteString(small(frac[1], two) + fen)
		}
	case frac[1] != '0':
		if major > 0 {
			b.WriteString("零")
		}
		b.WriteString(small(frac[1], two) + fen)
	}
	return b.String()
}

func mandarin(major int64, frac string, cur money.Currency) string {
	unit := "元"
	switch cur.Code {
	case "JPY":
		unit = "日元"
	case "USD":
		unit = "美元"
	case "EUR":
		unit = "欧元"
	}
	return chineseAmount(major, frac, unit, "角", "分", [2]string{"万", "亿"}, "两", "点")
}

func cantonese(major int64, frac string, cur money.Currency) string {
	unit := "蚊"
	switch cur.Code {
	case "JPY":
		unit = "円"
	case "USD":
		unit = "美金"
	case "EUR":
		unit = "歐羅"
	}
	return chineseAmount(major, frac, unit, "毫", "仙", [2]string{"萬", "億"}, "兩", "點")
}
