package sim

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// Daraja's STK push limits.
var (
	stkMinAmount = decimal.NewFromInt(1)
	stkMaxAmount = decimal.NewFromInt(250000)
)

const (
	maxAccountReference = 12
	maxTransactionDesc  = 13
)

// stkPush is one PIN prompt, from the push until the customer (or the script) answers.
type stkPush struct {
	merchantID  string
	checkoutID  string
	msisdn      string
	amount      decimal.Decimal
	reference   string
	callbackURL string
	behaviour   behaviour // the customer's script when the push arrived
	receipt     string    // reserved at the push; used only if the customer pays
	requested   time.Time

	done    bool
	outcome stkOutcome
}

type stkPushRequest struct {
	BusinessShortCode flexString
	Password          string
	Timestamp         string
	TransactionType   string
	Amount            flexString
	PartyA            flexString
	PartyB            flexString
	PhoneNumber       flexString
	CallBackURL       string
	AccountReference  string
	TransactionDesc   string
}

type stkPushReply struct {
	MerchantRequestID   string `json:"MerchantRequestID"`
	CheckoutRequestID   string `json:"CheckoutRequestID"`
	ResponseCode        string `json:"ResponseCode"`
	ResponseDescription string `json:"ResponseDescription"`
	CustomerMessage     string `json:"CustomerMessage"`
}

func (s *Sim) handleSTKPush(c *fiber.Ctx) error {
	var req stkPushRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	if field := s.checkSTKCredentials(string(req.BusinessShortCode), req.Timestamp, req.Password); field != "" {
		return s.badRequest(c, field)
	}
	if req.TransactionType != "CustomerPayBillOnline" && req.TransactionType != "CustomerBuyGoodsOnline" {
		return s.badRequest(c, "TransactionType")
	}
	amount, ok := wholeShillings(string(req.Amount))
	if !ok || amount.LessThan(stkMinAmount) || amount.GreaterThan(stkMaxAmount) {
		return s.badRequest(c, "Amount")
	}
	if !validMSISDN(string(req.PartyA)) {
		return s.badRequest(c, "PartyA")
	}
	if string(req.PartyB) != s.opts.Shortcode {
		return s.badRequest(c, "PartyB")
	}
	phone := string(req.PhoneNumber)
	if !validMSISDN(phone) {
		return s.badRequest(c, "PhoneNumber")
	}
	if !validURL(req.CallBackURL) {
		return s.badRequest(c, "CallBackURL")
	}
	if n := utf8.RuneCountInString(req.AccountReference); n == 0 || n > maxAccountReference {
		return s.badRequest(c, "AccountReference")
	}
	if n := utf8.RuneCountInString(req.TransactionDesc); n == 0 || n > maxTransactionDesc {
		return s.badRequest(c, "TransactionDesc")
	}

	s.mu.Lock()
	now := s.now()
	p := &stkPush{
		merchantID:  s.newRequestIDLocked(),
		checkoutID:  s.newCheckoutIDLocked(now),
		msisdn:      phone,
		amount:      amount,
		reference:   req.AccountReference,
		callbackURL: req.CallBackURL,
		behaviour:   s.customerLocked(phone).behaviour,
		receipt:     s.newReceiptLocked(now),
		requested:   now,
	}
	s.pushes[p.checkoutID] = p
	beforeReply := s.faults.CallbackBeforeReply
	s.mu.Unlock()
	s.log.Info("stk push", "checkout", p.checkoutID, "phone", maskMSISDN(phone), "amount", amount.String(), "behaviour", p.behaviour)

	switch {
	case p.behaviour == behaviourManual:
		// Waits for POST /simulator/stk/{id}/respond.
	case beforeReply:
		s.finishSTK(p, p.behaviour, true)
	default:
		s.after(s.opts.CallbackDelay, func() { s.finishSTK(p, p.behaviour, false) })
	}
	const accepted = "Success. Request accepted for processing"
	return c.JSON(stkPushReply{
		MerchantRequestID: p.merchantID, CheckoutRequestID: p.checkoutID,
		ResponseCode: "0", ResponseDescription: accepted, CustomerMessage: accepted,
	})
}

// checkSTKCredentials returns the name of the first bad field, or "".
func (s *Sim) checkSTKCredentials(shortcode, timestamp, password string) string {
	if shortcode != s.opts.Shortcode {
		return "BusinessShortCode"
	}
	if _, err := time.Parse("20060102150405", timestamp); err != nil {
		return "Timestamp"
	}
	if password != base64.StdEncoding.EncodeToString([]byte(s.opts.Shortcode+s.opts.Passkey+timestamp)) {
		return "Password"
	}
	return ""
}

// finishSTK ends a prompt the way b says, moves the money if the customer paid, and
// sends the callback (before returning when sync). It reports false when the prompt had
// already ended.
func (s *Sim) finishSTK(p *stkPush, b behaviour, sync bool) bool {
	s.mu.Lock()
	if p.done {
		s.mu.Unlock()
		return false
	}
	cust := s.customerLocked(p.msisdn)
	out := stkOutcomes[b]
	if out == stkSuccess && cust.balance.LessThan(p.amount) {
		out = stkInsufficient
	}
	now := s.now()
	p.done, p.outcome = true, out
	cb := stkCallback{MerchantRequestID: p.merchantID, CheckoutRequestID: p.checkoutID, ResultCode: out.code, ResultDesc: out.desc}
	if out == stkSuccess {
		s.settleLocked(&record{
			receipt: p.receipt, kind: kindSTK, msisdn: p.msisdn, amount: p.amount,
			initiated: p.requested, finalised: now,
		}, cust, "Pay Bill Online from "+cust.publicName()+" Acc. "+p.reference)
		cb.CallbackMetadata = &stkMetadata{Item: []stkItem{
			{Name: "Amount", Value: money(p.amount)},
			{Name: "MpesaReceiptNumber", Value: p.receipt},
			{Name: "Balance"}, // Daraja sends the name with no value
			{Name: "TransactionDate", Value: stamp(now)},
			{Name: "PhoneNumber", Value: json.Number(p.msisdn)},
		}}
	}
	s.mu.Unlock()
	s.log.Info("stk finished", "checkout", p.checkoutID, "result", out.code)

	payload := stkCallbackEnvelope{Body: stkCallbackBody{STKCallback: cb}}
	if sync {
		s.notifyNow(p.callbackURL, "stk", payload)
	} else {
		s.notify(p.callbackURL, "stk", payload)
	}
	return true
}

// The STK callback: ResultCode, TransactionDate and PhoneNumber are JSON numbers here,
// unlike the query's string ResultCode.
type stkCallbackEnvelope struct {
	Body stkCallbackBody `json:"Body"`
}

type stkCallbackBody struct {
	STKCallback stkCallback `json:"stkCallback"`
}

type stkCallback struct {
	MerchantRequestID string       `json:"MerchantRequestID"`
	CheckoutRequestID string       `json:"CheckoutRequestID"`
	ResultCode        int          `json:"ResultCode"`
	ResultDesc        string       `json:"ResultDesc"`
	CallbackMetadata  *stkMetadata `json:"CallbackMetadata,omitempty"`
}

type stkMetadata struct {
	Item []stkItem `json:"Item"`
}

type stkItem struct {
	Name  string `json:"Name"`
	Value any    `json:"Value,omitempty"`
}

type stkQueryRequest struct {
	BusinessShortCode flexString
	Password          string
	Timestamp         string
	CheckoutRequestID string
}

type stkQueryReply struct {
	ResponseCode        string `json:"ResponseCode"`
	ResponseDescription string `json:"ResponseDescription"`
	MerchantRequestID   string `json:"MerchantRequestID"`
	CheckoutRequestID   string `json:"CheckoutRequestID"`
	ResultCode          string `json:"ResultCode"` // a string here, a number in the callback
	ResultDesc          string `json:"ResultDesc"`
}

func (s *Sim) handleSTKQuery(c *fiber.Ctx) error {
	var req stkQueryRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	if field := s.checkSTKCredentials(string(req.BusinessShortCode), req.Timestamp, req.Password); field != "" {
		return s.badRequest(c, field)
	}
	s.mu.Lock()
	p, ok := s.pushes[req.CheckoutRequestID]
	var reply stkQueryReply
	done := ok && p.done
	if done {
		reply = stkQueryReply{
			ResponseCode: "0", ResponseDescription: "The service request has been accepted successfully",
			MerchantRequestID: p.merchantID, CheckoutRequestID: p.checkoutID,
			ResultCode: strconv.Itoa(p.outcome.code), ResultDesc: p.outcome.desc,
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		return s.badRequest(c, "CheckoutRequestID")
	case !done:
		// Still waiting for the customer: Daraja's "pending", not a failure.
		return s.fail(c, codeProcessing, "The transaction is being processed")
	}
	return c.JSON(reply)
}
