package pin

import (
	"errors"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	tests := []struct {
		pin  string
		want error
	}{
		{"2580", nil},
		{"7890", nil}, // runs do not wrap
		{"0987", nil},
		{"1357", nil},
		{"1984", nil}, // years are allowed
		{"2024", nil},
		{"1123", nil},
		{"0001", nil},
		{"", ErrFormat},
		{"4", ErrFormat},
		{"123", ErrFormat},
		{"12345", ErrFormat},
		{"12a4", ErrFormat},
		{" 123", ErrFormat},
		{"123 ", ErrFormat},
		{"+123", ErrFormat},
		{"-123", ErrFormat},
		{"１２３４", ErrFormat}, // fullwidth digits
		{"٠١٢٣", ErrFormat}, // Arabic-Indic digits
		{"1*23", ErrFormat}, // a USSD separator
		{"0000", ErrTooSimple},
		{"1111", ErrTooSimple},
		{"9999", ErrTooSimple},
		{"0123", ErrTooSimple},
		{"1234", ErrTooSimple},
		{"6789", ErrTooSimple},
		{"9876", ErrTooSimple},
		{"4321", ErrTooSimple},
		{"3210", ErrTooSimple},
	}
	for _, tt := range tests {
		if err := Valid(tt.pin); !errors.Is(err, tt.want) {
			t.Errorf("Valid(%q) = %v, want %v", tt.pin, err, tt.want)
		}
	}
}

// TestValidRefusesExactlyTheDocumentedList walks all 10,000 PINs so the doc comment's
// count of 24 stays true.
func TestValidRefusesExactlyTheDocumentedList(t *testing.T) {
	var refused []string
	for n := range 10000 {
		p := string([]byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
		switch err := Valid(p); {
		case errors.Is(err, ErrTooSimple):
			refused = append(refused, p)
		case err != nil:
			t.Fatalf("Valid(%q) = %v", p, err)
		}
	}
	if len(refused) != 24 {
		t.Errorf("refused %d PINs, the doc comment lists 24: %v", len(refused), refused)
	}
}

func TestErrorsNeverContainThePIN(t *testing.T) {
	for _, p := range []string{"4", "12", "123", "12345", "12a4", "0000", "1234", "4321", "9876", "5555", "x9y8"} {
		errs := map[string]error{"Valid": Valid(p)}
		_, errs["Hash"] = Hash(p)
		for name, err := range errs {
			if err == nil {
				t.Fatalf("%s(%q) accepted a bad PIN", name, p)
			}
			if strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %q contains the PIN", name, err)
			}
		}
	}
}
