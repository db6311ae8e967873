package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// Daraja error codes. The first segment is the HTTP status Daraja answers with.
const (
	codeBadRequest      = "400.002.02"
	codeBadPayload      = "400.002.05"
	codeAuthType        = "400.008.01"
	codeGrantType       = "400.008.02"
	codeInvalidToken    = "404.001.03"
	codeProcessing      = "500.001.1001"
	codeDuplicateOrigID = "500.002.1001"
)

// darajaError is the error body every Daraja endpoint uses.
type darajaError struct {
	RequestID    string `json:"requestId"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// fail answers with Daraja's error body; the HTTP status is the code's first segment, as
// Daraja's own codes are built.
func (s *Sim) fail(c *fiber.Ctx, code, message string) error {
	status := fiber.StatusBadRequest
	if i := strings.IndexByte(code, '.'); i > 0 {
		if n, err := strconv.Atoi(code[:i]); err == nil {
			status = n
		}
	}
	s.log.Info("daraja refused", "path", c.Path(), "code", code, "message", message)
	return c.Status(status).JSON(darajaError{RequestID: s.requestID(), ErrorCode: code, ErrorMessage: message})
}

// badRequest is the 400.002.02 family: "Bad Request - Invalid <Field>".
func (s *Sim) badRequest(c *fiber.Ctx, field string) error {
	return s.fail(c, codeBadRequest, "Bad Request - Invalid "+field)
}

// requestID looks like Daraja's ("16813-1590513-1"); a counter, so it does not disturb
// the seeded streams.
func (s *Sim) requestID() string {
	n := s.reqSeq.Add(1)
	return fmt.Sprintf("%d-%d-1", 10000+n%90000, 1000000+n)
}

// parseBody decodes a Daraja request leniently, as Daraja ignores fields it does not know.
func (s *Sim) parseBody(c *fiber.Ctx, v any) bool {
	return json.Unmarshal(c.Body(), v) == nil
}

// flexString accepts a JSON string or number: Daraja clients send BusinessShortCode,
// Amount, PartyA and PhoneNumber either way and Daraja accepts both.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*f = flexString(str)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	*f = flexString(n.String())
	return nil
}

// wholeShillings parses an amount that must be a positive whole number of shillings.
func wholeShillings(v string) (decimal.Decimal, bool) {
	d, err := decimal.NewFromString(strings.TrimSpace(v))
	if err != nil || !d.IsInteger() || !d.IsPositive() {
		return decimal.Decimal{}, false
	}
	return d, true
}

// validMSISDN is Kenya's international form without the plus: 254 and nine digits.
func validMSISDN(m string) bool {
	return len(m) == 12 && strings.HasPrefix(m, "254") && allDigits(m)
}

// normalMSISDN accepts the spellings people type into the control API (+2547…, 07…).
func normalMSISDN(m string) (string, bool) {
	m = strings.TrimPrefix(strings.TrimSpace(m), "+")
	if len(m) == 10 && m[0] == '0' {
		m = "254" + m[1:]
	}
	return m, validMSISDN(m)
}

func allDigits(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// validURL is what Daraja checks of a callback URL: absolute http or https.
func validURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// maskMSISDN hides a phone number in logs, per house habit.
func maskMSISDN(m string) string {
	if len(m) < 7 {
		return "***"
	}
	return m[:4] + strings.Repeat("*", len(m)-7) + m[len(m)-3:]
}

// money marshals as a bare JSON number with the text given, the way Daraja writes
// amounts ("Value":1.00, "Value":8959269.60).
func money(d decimal.Decimal) json.Number { return json.Number(d.StringFixed(2)) }

// wholeNumber writes an amount Daraja shows without decimals ("TransactionAmount":10).
func wholeNumber(d decimal.Decimal) json.Number { return json.Number(d.Truncate(0).String()) }

// stamp is Daraja's YYYYMMDDHHmmss as a JSON number (TransactionDate, InitiatedTime).
func stamp(t time.Time) json.Number {
	return json.Number(t.Format("20060102150405"))
}
