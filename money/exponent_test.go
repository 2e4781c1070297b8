package money_test

import (
	"strings"
	"testing"

	"github.com/qfpos/qfpos/money"
)

// TestDisputedExponents: IDR and MMK, whose exponent CLDR and ISO 4217
// disagree on, are disputed; once SetExponent states it, Lookup and Parse
// use it.
func TestDisputedExponents(t *testing.T) {
	t.Cleanup(money.ForgetExponents)
	for _, code := range []string{"IDR", "MMK", "idr"} {
		why, ok := money.Disputed(code)
		if !ok || !strings.Contains(why, "CLDR gives 0") || !strings.Contains(why, "ISO 4217 gives 2") || !strings.Contains(why, "100 times") {
			t.Errorf("Disputed(%s) = %q, %v", code, why, ok)
		}
	}
	for _, code := range []string{"HKD", "JPY", "USD"} {
		if why, ok := money.Disputed(code); ok {
			t.Errorf("Disputed(%s) = %q", code, why)
		}
		if err := money.SetExponent(code, 2); err == nil {
			t.Errorf("SetExponent(%s) accepted", code)
		}
	}
	for _, e := range []int{-1, 4} {
		if err := money.SetExponent("IDR", e); err == nil {
			t.Errorf("SetExponent(IDR, %d) accepted", e)
		}
	}
	if err := money.SetExponent("idr", 2); err != nil {
		t.Fatal(err)
	}
	if mmk, _ := money.Lookup("MMK"); mmk.Exponent != 0 {
		t.Errorf("MMK exponent = %d though only IDR was stated, want CLDR's 0", mmk.Exponent)
	}
	idr, err := money.Lookup("IDR")
	if err != nil || idr.Exponent != 2 {
		t.Fatalf("Lookup(IDR) = %+v, %v", idr, err)
	}
	if v, err := idr.Parse("1500.50", 0); err != nil || v != 150050 {
		t.Errorf("Parse(1500.50 IDR) = %d, %v", v, err)
	}
	if err := money.SetExponent("MMK", 0); err != nil {
		t.Fatal(err)
	}
	if mmk, _ := money.Lookup("MMK"); mmk.Exponent != 0 {
		t.Errorf("MMK exponent = %d, want 0", mmk.Exponent)
	}
}
