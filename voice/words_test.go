package voice

import (
	"testing"

	"github.com/qfpos/qfpos/money"
)

func TestWords(t *testing.T) {
	hkd, jpy, cny := money.MustLookup("HKD"), money.MustLookup("JPY"), money.MustLookup("CNY")
	tests := []struct {
		minor          int64
		cur            money.Currency
		en, hans, hant string
	}{
		{5, hkd, "five cents", "五分", "五仙"},
		{1250, hkd, "twelve dollars fifty", "十二元五角", "十二蚊五毫"},
		{10000, hkd, "one hundred dollars", "一百元", "一百蚊"},
		{123450, hkd, "one thousand two hundred thirty-four dollars fifty", "一千二百三十四元五角", "一千二百三十四蚊五毫"},
		{500, jpy, "five hundred yen", "五百日元", "五百円"},
		{100, hkd, "one dollar", "一元", "一蚊"},
		{200, hkd, "two dollars", "两元", "兩蚊"},
		{1205, hkd, "twelve dollars five", "十二元零五分", "十二蚊零五仙"},
		{1255, hkd, "twelve dollars fifty-five", "十二元五角五分", "十二蚊五毫五仙"},
		{20000, hkd, "two hundred dollars", "两百元", "兩百蚊"},
		{10500, hkd, "one hundred five dollars", "一百零五元", "一百零五蚊"},
		{100500, hkd, "one thousand five dollars", "一千零五元", "一千零五蚊"},
		{1000000, hkd, "ten thousand dollars", "一万元", "一萬蚊"},
		{100_050_000, hkd, "one million five hundred dollars", "一百万零五百元", "一百萬零五百蚊"},
		{1200000, cny, "twelve thousand yuan", "一万二千元", "一萬二千蚊"},
		{100500000, hkd, "one million five thousand dollars", "一百万五千元", "一百萬五千蚊"},
		{99_999_999_999, hkd, "nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine dollars ninety-nine",
			"九亿九千九百九十九万九千九百九十九元九角九分", "九億九千九百九十九萬九千九百九十九蚊九毫九仙"},
		{120, hkd, "one dollar twenty", "一元两角", "一蚊兩毫"},
	}
	for _, tt := range tests {
		for lang, want := range map[string]string{"en": tt.en, "zh-Hans": tt.hans, "zh-Hant": tt.hant} {
			if got := Words(lang, tt.minor, tt.cur); got != want {
				t.Errorf("Words(%s, %d %s) = %q, want %q", lang, tt.minor, tt.cur.Code, got, want)
			}
		}
	}
}

func TestPhrase(t *testing.T) {
	hkd := money.MustLookup("HKD")
	for lang, want := range map[string]string{
		"en":      "WeChat Pay received twelve dollars fifty",
		"zh-Hans": "微信收款十二元五角",
		"zh-Hant": "微信收款十二蚊五毫",
	} {
		if got := Phrase(lang, 1250, hkd); got != want {
			t.Errorf("Phrase(%s) = %q, want %q", lang, got, want)
		}
	}
}
