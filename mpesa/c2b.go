package mpesa

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Codes for C2BReject, as M-Pesa defines them.
const (
	C2BInvalidMSISDN    = "C2B00011"
	C2BInvalidAccount   = "C2B00012"
	C2BInvalidAmount    = "C2B00013"
	C2BInvalidKYC       = "C2B00014"
	C2BInvalidShortcode = "C2B00015"
	C2BOtherError       = "C2B00016"
)

// forbiddenInURL are words Daraja refuses in a registered C2B URL.
var forbiddenInURL = []string{"m-pesa", "mpesa", "safaricom", "sql", "query"}

type registerC2BRequest struct {
	ShortCode       string
	ResponseType    string
	ConfirmationURL string
	ValidationURL   string
}

type registerC2BReply struct {
	OriginatorConversationID FlexString `json:"OriginatorCoversationID"` // sic
	ResponseCode             Code
	ResponseDescription      string
}

func (r *registerC2BReply) ack() (Code, string) { return r.ResponseCode, r.ResponseDescription }

// RegisterC2B tells M-Pesa where to post C2B validation and confirmation for the
// shortcode. cancelIfNoAnswer decides what happens when validation does not answer within
// about 8 s: the payment is cancelled (true) or completed (false).
func (c *Client) RegisterC2B(ctx context.Context, confirmationURL, validationURL string, cancelIfNoAnswer bool) error {
	for _, u := range []struct{ field, url string }{{"confirmation URL", confirmationURL}, {"validation URL", validationURL}} {
		if err := callbackURL(u.field, u.url); err != nil {
			return fmt.Errorf("mpesa: register c2b: %w", err)
		}
		lower := strings.ToLower(u.url)
		for _, w := range forbiddenInURL {
			if strings.Contains(lower, w) {
				return fmt.Errorf("mpesa: register c2b: %w", invalid("%s contains %q, which Daraja refuses", u.field, w))
			}
		}
	}
	req := registerC2BRequest{
		ShortCode:       c.shortcode,
		ResponseType:    "Completed",
		ConfirmationURL: confirmationURL,
		ValidationURL:   validationURL,
	}
	if cancelIfNoAnswer {
		req.ResponseType = "Cancelled"
	}
	var reply registerC2BReply
	if err := c.post(ctx, "/mpesa/c2b/v1/registerurl", req, &reply, false); err != nil {
		return fmt.Errorf("mpesa: register c2b: %w", err)
	}
	return nil
}

// C2BAccept is the answer to a validation request that lets the payment through.
func C2BAccept() []byte { return []byte(`{"ResultCode":"0","ResultDesc":"Accepted"}`) }

// C2BReject is the answer to a validation request that refuses the payment; code is one
// of the C2B… constants, C2BOtherError if empty.
func C2BReject(code string) []byte {
	if code == "" {
		code = C2BOtherError
	}
	q, _ := json.Marshal(code) // a string always marshals
	return []byte(`{"ResultCode":` + string(q) + `,"ResultDesc":"Rejected"}`)
}

// C2BConfirmationAck is the answer to a confirmation. ResultCode is a number here and a
// string in validation answers, as in Daraja's own examples.
func C2BConfirmationAck() []byte { return []byte(`{"ResultCode":0,"ResultDesc":"Success"}`) }

// C2BPayment is a customer's payment to the paybill, as posted to both the validation and
// the confirmation URL. TransID is the idempotency key.
type C2BPayment struct {
	TransactionType   string
	TransID           string
	TransTime         time.Time // Nairobi time
	Amount            decimal.Decimal
	ShortCode         string // BusinessShortCode
	BillRefNumber     string // typed by the customer: often wrong or empty
	InvoiceNumber     string
	OrgAccountBalance decimal.NullDecimal // empty in validation requests
	ThirdPartyTransID string
	MSISDN            string // as sent; masked in production ("2547 ***** 126")
	FirstName         string
	MiddleName        string
	LastName          string
}

type c2bBody struct {
	TransactionType   FlexString
	TransID           FlexString
	TransTime         FlexString
	TransAmount       FlexDecimal
	BusinessShortCode FlexString
	BillRefNumber     FlexString
	InvoiceNumber     FlexString
	OrgAccountBalance FlexDecimal
	ThirdPartyTransID FlexString
	MSISDN            FlexString
	FirstName         FlexString
	MiddleName        FlexString
	LastName          FlexString
}

// ParseC2B reads a C2B validation or confirmation request.
func ParseC2B(body []byte) (C2BPayment, error) {
	var in c2bBody
	if err := json.Unmarshal(body, &in); err != nil {
		return C2BPayment{}, malformed("c2b: %w", err)
	}
	if in.TransID == "" {
		return C2BPayment{}, malformed("c2b: no TransID")
	}
	if !in.TransAmount.Valid || !in.TransAmount.Decimal.IsPositive() {
		return C2BPayment{}, malformed("c2b: TransAmount missing or not positive")
	}
	at, err := time.ParseInLocation(timestampLayout, strings.TrimSpace(string(in.TransTime)), nairobi)
	if err != nil {
		return C2BPayment{}, malformed("c2b: TransTime %q: %w", in.TransTime, err)
	}
	return C2BPayment{
		TransactionType:   string(in.TransactionType),
		TransID:           string(in.TransID),
		TransTime:         at,
		Amount:            in.TransAmount.Decimal,
		ShortCode:         string(in.BusinessShortCode),
		BillRefNumber:     string(in.BillRefNumber),
		InvoiceNumber:     string(in.InvoiceNumber),
		OrgAccountBalance: decimal.NullDecimal{Decimal: in.OrgAccountBalance.Decimal, Valid: in.OrgAccountBalance.Valid},
		ThirdPartyTransID: string(in.ThirdPartyTransID),
		MSISDN:            string(in.MSISDN),
		FirstName:         string(in.FirstName),
		MiddleName:        string(in.MiddleName),
		LastName:          string(in.LastName),
	}, nil
}

// RegisterC2B tells M-Pesa where to send paybill validations and confirmations:
// the /hooks/daraja/c2b/… paths next to the other callbacks. M-Pesa completes a payment
// whose validation does not answer in time (ResponseType Completed), so money is not
// refused for our fault; settlement puts whatever matches nothing in suspense.
func (s *Service) RegisterC2B(ctx context.Context) error {
	return s.client.RegisterC2B(ctx, s.urls.C2BConfirmation, s.urls.C2BValidation, false)
}
