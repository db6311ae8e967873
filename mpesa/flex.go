package mpesa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Daraja sends the same field as a JSON string in one message and a JSON number in the
// next (ResultCode 0 and "0", Amount 1.00 and "1.00", PhoneNumber 254708374149), and
// some codes are not numbers at all ("R000002", "C2B00012"). These types take either.

// Code is a Daraja result or response code, kept as text: 0 and "0" both become "0".
type Code string

// IsSuccess reports whether the code is zero, M-Pesa's only success.
func (c Code) IsSuccess() bool {
	return c != "" && strings.Trim(string(c), "0") == ""
}

// UnmarshalJSON accepts a JSON string, number or null.
func (c *Code) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("code: %w", err)
	}
	*c = Code(strings.TrimSpace(s))
	return nil
}

// FlexString is an identifier Daraja may send as a number (PhoneNumber 254708374149,
// TransactionDate 20191219102115). A number keeps its digits as written, never an
// exponent.
type FlexString string

// UnmarshalJSON accepts a JSON string, number, boolean or null.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	t, err := scalarText(b)
	if err != nil {
		return err
	}
	*s = FlexString(t)
	return nil
}

// FlexDecimal is an amount Daraja may send as a number or a string: 1.00, "1.00", 10.
// Null or an empty string leave it zero with Valid false.
type FlexDecimal struct {
	Decimal decimal.Decimal
	Valid   bool
}

// UnmarshalJSON accepts a JSON number, a string holding one, or null.
func (d *FlexDecimal) UnmarshalJSON(b []byte) error {
	t, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	t = strings.TrimSpace(t)
	if t == "" {
		*d = FlexDecimal{}
		return nil
	}
	v, err := parseNumber(t)
	if err != nil {
		return err
	}
	*d = FlexDecimal{Decimal: v, Valid: true}
	return nil
}

// Amounts beyond these bounds are not money M-Pesa moves, and refusing them keeps a
// hostile 1e-999999999 from costing a gigabyte when printed.
const (
	maxAmountText = 40
	maxAmountExp  = 20
)

// parseNumber reads a decimal number written in plain or exponent notation: an amount,
// or a count of seconds.
func parseNumber(s string) (decimal.Decimal, error) {
	if len(s) > maxAmountText {
		return decimal.Decimal{}, fmt.Errorf("amount %.20q… too long", s)
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789.-+eE", r) {
			return decimal.Decimal{}, fmt.Errorf("amount %q is not a number", s)
		}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("amount %q is not a number", s)
	}
	if e := v.Exponent(); e > maxAmountExp || e < -maxAmountExp {
		return decimal.Decimal{}, fmt.Errorf("amount %q out of range", s)
	}
	return v, nil
}

// scalarText renders a JSON scalar as text: a string as itself, a number as its digits
// (exponents expanded), true/false as words, null as "". Objects and arrays are refused.
func scalarText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", fmt.Errorf("empty value")
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return s, nil
	case 'n':
		if string(b) == "null" {
			return "", nil
		}
	case 't', 'f':
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return "", err
		}
		return fmt.Sprint(v), nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return "", err
		}
		return numberText(n.String())
	}
	return "", fmt.Errorf("want a string or a number, got %.20q", b)
}

// numberText keeps a JSON number's digits as written (8959269.60 stays 8959269.60) and
// expands an exponent (2.54708374149e11 becomes 254708374149).
func numberText(n string) (string, error) {
	if !strings.ContainsAny(n, "eE") {
		return n, nil
	}
	v, err := parseNumber(n)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// oneOrMany decodes what Daraja sends as a single object in one message and as an array
// in the next (ReferenceItem, ResultParameter). Absent, null and "" give nothing.
func oneOrMany[T any](raw json.RawMessage) ([]T, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, nil
	}
	switch raw[0] {
	case '[':
		var many []T
		if err := json.Unmarshal(raw, &many); err != nil {
			return nil, err
		}
		return many, nil
	case '{':
		var one T
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, err
		}
		return []T{one}, nil
	}
	return nil, fmt.Errorf("want an object or an array, got %.20q", raw)
}
