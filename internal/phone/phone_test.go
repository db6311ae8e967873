package phone

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"local", "0712345678", "+254712345678"},
		{"no trunk zero", "712345678", "+254712345678"},
		{"01 range", "0112345678", "+254112345678"},
		{"01 range bare", "110345678", "+254110345678"},
		{"airtel 073", "0733123456", "+254733123456"},
		{"airtel 010", "0100123456", "+254100123456"},
		{"telkom 077", "0770123456", "+254770123456"},
		{"country code", "254712345678", "+254712345678"},
		{"plus country code", "+254712345678", "+254712345678"},
		{"grouped", "+254 712 345 678", "+254712345678"},
		{"dashes", "0712-345-678", "+254712345678"},
		{"brackets", "(0712) 345678", "+254712345678"},
		{"international prefix", "00254712345678", "+254712345678"},
		{"dots", "0712.345.678", "+254712345678"},
		{"surrounding whitespace", " \t0712345678\n ", "+254712345678"},
		{"non-breaking spaces", "\u00a00712\u00a0345\u00a0678\u00a0", "+254712345678"},
		{"narrow no-break space", "0712\u202f345\u202f678", "+254712345678"},
		{"en dash", "0712\u2013345\u2013678", "+254712345678"},
		{"trunk zero after code", "+254 (0)712 345 678", "+254712345678"},
		{"trunk zero after 00254", "00254 0712 345 678", "+254712345678"},
		{"bracketed code", "(+254) 712 345 678", "+254712345678"},
		{"slash", "0712/345678", "+254712345678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Normalize(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestNormalizeRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrEmpty},
		{"spaces only", "   ", ErrEmpty},
		{"non-breaking space only", "\u00a0", ErrEmpty},
		{"letters", "0712abc678", ErrNotANumber},
		{"word", "none", ErrNotANumber},
		{"letter O for zero", "O712345678", ErrNotANumber},
		{"USSD string", "*144#", ErrNotANumber},
		{"comma", "0712,345,678", ErrNotANumber},
		{"plus in the middle", "0712+345678", ErrNotANumber},
		{"two pluses", "++254712345678", ErrNotANumber},
		{"separators only", "--", ErrNotANumber},
		{"plus only", "+", ErrNotANumber},
		{"arabic-indic digits", "٠٧١٢٣٤٥٦٧٨", ErrNotANumber},
		{"too short", "071234567", ErrWrongLength},
		{"too long", "07123456789", ErrWrongLength},
		{"too short bare", "71234567", ErrWrongLength},
		{"too long with code", "+2547123456789", ErrWrongLength},
		{"too short with code", "254712345", ErrWrongLength},
		{"code only", "+254", ErrWrongLength},
		{"zero only", "0", ErrWrongLength},
		{"way too long", strings.Repeat("0", 100), ErrWrongLength},
		{"tanzania", "+255712345678", ErrNotKenyanMobile},
		{"uganda 00", "00256712345678", ErrNotKenyanMobile},
		{"usa", "+1 555 123 4567", ErrNotKenyanMobile},
		{"plus then local", "+0712345678", ErrNotKenyanMobile},
		{"nairobi landline", "0202222222", ErrNotKenyanMobile},
		{"nairobi landline 8 digits", "020 22222222", ErrNotKenyanMobile},
		{"landline with code", "+254202222222", ErrNotKenyanMobile},
		{"mombasa landline", "041 2222222", ErrNotKenyanMobile},
		{"premium 09", "0900123456", ErrNotKenyanMobile},
		{"toll free 0800", "0800 720 000", ErrNotKenyanMobile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Normalize(%q) = %q, %v; want error %v", tt.in, got, err, tt.want)
			}
			if got != "" {
				t.Errorf("Normalize(%q) returned %q alongside an error", tt.in, got)
			}
		})
	}
}

func TestErrorsCanBeShownToAnOfficial(t *testing.T) {
	for _, err := range []error{ErrEmpty, ErrNotANumber, ErrWrongLength, ErrNotKenyanMobile} {
		msg := err.Error()
		if !strings.HasPrefix(msg, "phone: ") || !strings.HasSuffix(msg, " 0712 345 678") {
			t.Errorf("error %q should start with \"phone: \" and show an example number", msg)
		}
	}
}

func TestMask(t *testing.T) {
	tests := map[string]string{
		"+254712345678": "+254712***678",
		"+254112345678": "+254112***678",
		"0711000111":    "0711***111",
		"12345":         "***",
		"":              "***",
	}
	got := make(map[string]string, len(tests))
	for in := range tests {
		got[in] = Mask(in)
	}
	if diff := cmp.Diff(tests, got); diff != "" {
		t.Errorf("Mask mismatch (-want +got):\n%s", diff)
	}
	if m := Mask("+254711987654"); strings.Contains(m, "987") {
		t.Errorf("Mask leaks the hidden digits: %q", m)
	}
}

func TestLocal(t *testing.T) {
	tests := map[string]string{
		"+254712345678":    "0712 345 678",
		"+254110345678":    "0110 345 678",
		"254712345678":     "0712 345 678",
		"0712-345-678":     "0712 345 678",
		"+255712345678":    "+255712345678", // not Kenyan: left alone
		"not a phone":      "not a phone",
		"":                 "",
		"+254 712 345 678": "0712 345 678",
	}
	got := make(map[string]string, len(tests))
	for in := range tests {
		got[in] = Local(in)
	}
	if diff := cmp.Diff(tests, got); diff != "" {
		t.Errorf("Local mismatch (-want +got):\n%s", diff)
	}
}

var e164 = regexp.MustCompile(`^\+254[17]\d{8}$`)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"0712345678", "712345678", "0112345678", "254712345678", "+254712345678",
		"+254 712 345 678", "0712-345-678", "(0712) 345678", "00254712345678",
		"\u00a00712 345 678 ", "0712.345.678", "+254 (0)712 345 678",
		"", "+", "abc", "+255712345678", "+0712345678", "0202222222", "07123",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Normalize(s)
		if err != nil {
			if got != "" {
				t.Fatalf("Normalize(%q) = %q with error %v", s, got, err)
			}
			for _, sentinel := range []error{ErrEmpty, ErrNotANumber, ErrWrongLength, ErrNotKenyanMobile} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("Normalize(%q): error %v is none of the package's errors", s, err)
		}
		if !e164.MatchString(got) {
			t.Fatalf("Normalize(%q) = %q, not a Kenyan E.164 mobile number", s, got)
		}
		if again, err := Normalize(got); err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, %v; not idempotent", got, again, err)
		}
		local := Local(got)
		if back, err := Normalize(local); err != nil || back != got {
			t.Fatalf("Normalize(Local(%q)) = Normalize(%q) = %q, %v", got, local, back, err)
		}
	})
}
