package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// c2bRegistration is what registerurl stored. ResponseType decides a payment when our
// validation URL does not answer in time: "Completed" lets it through, "Cancelled" stops it.
type c2bRegistration struct {
	responseType    string
	confirmationURL string
	validationURL   string
}

const maxBillRef = 20

var c2bMaxAmount = decimal.NewFromInt(250000)

type c2bRegisterRequest struct {
	ShortCode       flexString
	ResponseType    string
	ConfirmationURL string
	ValidationURL   string
}

// c2bRegisterReply keeps Daraja's misspelt "OriginatorCoversationID".
type c2bRegisterReply struct {
	OriginatorCoversationID string `json:"OriginatorCoversationID"`
	ResponseCode            string `json:"ResponseCode"`
	ResponseDescription     string `json:"ResponseDescription"`
}

func (s *Sim) handleC2BRegister(c *fiber.Ctx) error {
	var req c2bRegisterRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	switch {
	case string(req.ShortCode) != s.opts.Shortcode:
		return s.badRequest(c, "ShortCode")
	case req.ResponseType != "Completed" && req.ResponseType != "Cancelled":
		return s.badRequest(c, "ResponseType")
	case !validURL(req.ConfirmationURL):
		return s.badRequest(c, "ConfirmationURL")
	case !validURL(req.ValidationURL):
		return s.badRequest(c, "ValidationURL")
	}
	s.mu.Lock()
	// The sandbox lets a shortcode re-register; the latest registration wins.
	s.c2b = c2bRegistration{responseType: req.ResponseType, confirmationURL: req.ConfirmationURL, validationURL: req.ValidationURL}
	id := s.newRequestIDLocked()
	s.mu.Unlock()
	s.log.Info("c2b urls registered", "response_type", req.ResponseType,
		"confirmation", redact(req.ConfirmationURL), "validation", redact(req.ValidationURL))
	return c.JSON(c2bRegisterReply{OriginatorCoversationID: id, ResponseCode: "0", ResponseDescription: "Success"})
}

type c2bSimulateRequest struct {
	ShortCode     flexString
	CommandID     string
	Amount        flexString
	Msisdn        flexString
	BillRefNumber string
}

// handleC2BSimulate is the sandbox's way to make a customer pay; it runs the same flow
// as POST /simulator/c2b/pay, after the reply.
func (s *Sim) handleC2BSimulate(c *fiber.Ctx) error {
	var req c2bSimulateRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	amount, ok := wholeShillings(string(req.Amount))
	switch {
	case string(req.ShortCode) != s.opts.Shortcode:
		return s.badRequest(c, "ShortCode")
	case req.CommandID != "CustomerPayBillOnline" && req.CommandID != "CustomerBuyGoodsOnline":
		return s.badRequest(c, "CommandID")
	case !ok || amount.GreaterThan(c2bMaxAmount):
		return s.badRequest(c, "Amount")
	case !validMSISDN(string(req.Msisdn)):
		return s.badRequest(c, "Msisdn")
	case len(req.BillRefNumber) > maxBillRef:
		return s.badRequest(c, "BillRefNumber")
	}
	s.mu.Lock()
	id := s.newRequestIDLocked()
	s.mu.Unlock()
	msisdn, ref := string(req.Msisdn), req.BillRefNumber
	s.after(0, func() { s.payBill(msisdn, amount, ref) })
	return c.JSON(c2bRegisterReply{OriginatorCoversationID: id, ResponseCode: "0", ResponseDescription: "Accept the service request successfully."})
}

// c2bPayload is what validation and confirmation both carry. Every value is a string,
// MSISDN is masked as production masks it, and OrgAccountBalance is empty at validation
// (nothing has moved yet) and the paybill's balance after the payment at confirmation.
type c2bPayload struct {
	TransactionType   string `json:"TransactionType"`
	TransID           string `json:"TransID"`
	TransTime         string `json:"TransTime"`
	TransAmount       string `json:"TransAmount"`
	BusinessShortCode string `json:"BusinessShortCode"`
	BillRefNumber     string `json:"BillRefNumber"`
	InvoiceNumber     string `json:"InvoiceNumber"`
	OrgAccountBalance string `json:"OrgAccountBalance"`
	ThirdPartyTransID string `json:"ThirdPartyTransID"`
	MSISDN            string `json:"MSISDN"`
	FirstName         string `json:"FirstName"`
	MiddleName        string `json:"MiddleName"`
	LastName          string `json:"LastName"`
}

// payResult is the control API's account of a paybill payment.
type payResult struct {
	TransID    string `json:"trans_id,omitempty"`
	Status     string `json:"status"` // completed, rejected, cancelled, failed
	ResultCode string `json:"result_code,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// payBill is a customer paying the paybill from their phone's menu: validation first (if
// a validation URL is registered), then the money, then the confirmation. With no URLs
// registered the money still arrives, silently, as it does on M-Pesa.
func (s *Sim) payBill(msisdn string, amount decimal.Decimal, billRef string) payResult {
	s.mu.Lock()
	cust := s.customerLocked(msisdn)
	if cust.balance.LessThan(amount) {
		s.mu.Unlock()
		return payResult{Status: "failed", Reason: "insufficient balance"}
	}
	now := s.now()
	transID := s.newReceiptLocked(now)
	reg := s.c2b
	first, middle, last := splitName(cust.name)
	s.mu.Unlock()

	payload := c2bPayload{
		TransactionType: "Pay Bill", TransID: transID, TransTime: now.Format("20060102150405"),
		TransAmount: amount.StringFixed(2), BusinessShortCode: s.opts.Shortcode, BillRefNumber: billRef,
		MSISDN: maskC2BMSISDN(msisdn), FirstName: first, MiddleName: middle, LastName: last,
	}
	if reg.validationURL != "" {
		if res, ok := s.validateC2B(reg, payload); !ok {
			s.log.Info("c2b stopped at validation", "trans_id", transID, "status", res.Status, "code", res.ResultCode)
			return res
		}
	}

	s.mu.Lock()
	if cust.balance.LessThan(amount) { // spent while validation was pending
		s.mu.Unlock()
		return payResult{TransID: transID, Status: "failed", Reason: "insufficient balance"}
	}
	s.settleLocked(&record{
		receipt: transID, kind: kindC2B, msisdn: msisdn, amount: amount, initiated: now, finalised: s.now(),
	}, cust, "Pay Bill from "+cust.publicName()+" Acc. "+billRef)
	payload.OrgAccountBalance = s.org.working.StringFixed(2)
	s.mu.Unlock()
	s.log.Info("c2b completed", "trans_id", transID, "phone", maskMSISDN(msisdn), "amount", amount.String())

	if reg.confirmationURL != "" {
		s.notify(reg.confirmationURL, "c2b-confirmation", payload)
	}
	return payResult{TransID: transID, Status: "completed"}
}

// validateC2B asks our validation URL. ResultCode "0" accepts; any other code rejects;
// no usable answer within ValidationTimeout falls back to the registered ResponseType.
func (s *Sim) validateC2B(reg c2bRegistration, payload c2bPayload) (payResult, bool) {
	code, err := s.askValidation(reg.validationURL, payload)
	switch {
	case err != nil && reg.responseType == "Completed":
		s.log.Warn("c2b validation unanswered; completing", "trans_id", payload.TransID, "err", err)
		return payResult{}, true
	case err != nil:
		s.log.Warn("c2b validation unanswered; cancelling", "trans_id", payload.TransID, "err", err)
		return payResult{TransID: payload.TransID, Status: "cancelled", Reason: "validation did not answer"}, false
	case code == "0":
		return payResult{}, true
	default:
		return payResult{TransID: payload.TransID, Status: "rejected", ResultCode: code}, false
	}
}

func (s *Sim) askValidation(target string, payload c2bPayload) (string, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.ValidationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(marshal(payload)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("validation answered %s", resp.Status)
	}
	var ans struct{ ResultCode flexString }
	if err := json.Unmarshal(body, &ans); err != nil {
		return "", err
	}
	if ans.ResultCode == "" {
		return "", errors.New("validation answer has no ResultCode")
	}
	return string(ans.ResultCode), nil
}

// maskC2BMSISDN is production's "2547 ***** 126".
func maskC2BMSISDN(m string) string {
	if len(m) < 7 {
		return m
	}
	return m[:4] + " ***** " + m[len(m)-3:]
}

func splitName(name string) (first, middle, last string) {
	f := strings.Fields(name)
	switch len(f) {
	case 0:
		return "", "", ""
	case 1:
		return f[0], "", ""
	case 2:
		return f[0], "", f[1]
	default:
		return f[0], strings.Join(f[1:len(f)-1], " "), f[len(f)-1]
	}
}
