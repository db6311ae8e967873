package mpesa_test

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/mpesa"
)

func TestCode(t *testing.T) {
	tests := []struct {
		in      string
		want    mpesa.Code
		success bool
		err     bool
	}{
		{`0`, "0", true, false},
		{`"0"`, "0", true, false},
		{`"00000000"`, "00000000", true, false},
		{`1032`, "1032", false, false},
		{`"1032"`, "1032", false, false},
		{`"R000002"`, "R000002", false, false},
		{`"C2B00012"`, "C2B00012", false, false},
		{`"500.001.1001"`, "500.001.1001", false, false},
		{`1e3`, "1000", false, false},
		{`null`, "", false, false},
		{`""`, "", false, false},
		{`{}`, "", false, true},
		{`[0]`, "", false, true},
	}
	for _, tt := range tests {
		var c mpesa.Code
		err := json.Unmarshal([]byte(tt.in), &c)
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v", tt.in, err)
			continue
		}
		if c != tt.want || c.IsSuccess() != tt.success {
			t.Errorf("%s: %q success=%v, want %q success=%v", tt.in, c, c.IsSuccess(), tt.want, tt.success)
		}
	}
}

func TestFlexDecimal(t *testing.T) {
	tests := []struct {
		in    string
		want  string
		valid bool
		err   bool
	}{
		{`1.00`, "1", true, false},
		{`"1.00"`, "1", true, false},
		{`10`, "10", true, false},
		{`" 8959269.60 "`, "8959269.6", true, false},
		{`-1980.00`, "-1980", true, false},
		{`1e3`, "1000", true, false},
		{`null`, "0", false, false},
		{`""`, "0", false, false},
		{`"ten"`, "", false, true},
		{`"NaN"`, "", false, true},
		{`true`, "", false, true},
		{`{}`, "", false, true},
		{`1e-999999999`, "", false, true},
		{`"1e999999999"`, "", false, true},
	}
	for _, tt := range tests {
		var d mpesa.FlexDecimal
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v", tt.in, err)
			continue
		}
		if err == nil && (!d.Decimal.Equal(decimal.RequireFromString(tt.want)) || d.Valid != tt.valid) {
			t.Errorf("%s: %s valid=%v, want %s valid=%v", tt.in, d.Decimal, d.Valid, tt.want, tt.valid)
		}
	}
}

func TestFlexString(t *testing.T) {
	tests := []struct {
		in   string
		want mpesa.FlexString
		err  bool
	}{
		{`254708374149`, "254708374149", false},
		{`20191219102115`, "20191219102115", false},
		{`"254708374149"`, "254708374149", false},
		{`2.54708374149e11`, "254708374149", false},
		{`8959269.60`, "8959269.60", false},
		{`-1980.00`, "-1980.00", false},
		{`"2547 ***** 126"`, "2547 ***** 126", false},
		{`true`, "true", false},
		{`null`, "", false},
		{`{}`, "", true},
		{`[]`, "", true},
	}
	for _, tt := range tests {
		var s mpesa.FlexString
		err := json.Unmarshal([]byte(tt.in), &s)
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v", tt.in, err)
			continue
		}
		if s != tt.want {
			t.Errorf("%s: %q, want %q", tt.in, s, tt.want)
		}
	}
}

// FuzzFlex feeds any JSON value to the three flexible types: none may panic, and what
// they accept must print in bounded space.
func FuzzFlex(f *testing.F) {
	for _, s := range []string{`0`, `"R000002"`, `1.00`, `"1.00"`, `254708374149`, `2.54708374149e11`, `1e-999999999`, `null`, `{}`, `"\u0000"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c mpesa.Code
		if json.Unmarshal(b, &c) == nil {
			_ = c.IsSuccess()
		}
		var s mpesa.FlexString
		// Invalid UTF-8 in a string becomes U+FFFD, three bytes for one.
		if json.Unmarshal(b, &s) == nil && len(s) > 3*len(b)+64 {
			t.Fatalf("%s became %d characters", b, len(s))
		}
		var d mpesa.FlexDecimal
		if json.Unmarshal(b, &d) == nil && len(d.Decimal.String()) > 64 {
			t.Fatalf("%s became %s", b, d.Decimal)
		}
	})
}
