package sim

import (
	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// A failed reversal's ResultCode is a string on the wire.
const (
	resultReversalInvalid = "R000002"
	descReversalInvalid   = "The OriginalTransactionID is invalid."
)

type reversalRequest struct {
	Initiator              string
	SecurityCredential     string
	CommandID              string
	TransactionID          string
	Amount                 flexString
	ReceiverParty          flexString
	RecieverIdentifierType flexString // sic
	ResultURL              string
	QueueTimeOutURL        string
	Remarks                string
	Occasion               string
}

func (s *Sim) handleReversal(c *fiber.Ctx) error {
	var req reversalRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	amount, amountOK := wholeShillings(string(req.Amount))
	switch {
	case req.CommandID != "TransactionReversal":
		return s.badRequest(c, "CommandID")
	case req.TransactionID == "":
		return s.badRequest(c, "TransactionID")
	case !amountOK:
		return s.badRequest(c, "Amount")
	case string(req.ReceiverParty) != s.opts.Shortcode:
		return s.badRequest(c, "ReceiverParty")
	case !validURL(req.ResultURL):
		return s.badRequest(c, "ResultURL")
	case !validURL(req.QueueTimeOutURL):
		return s.badRequest(c, "QueueTimeOutURL")
	}
	credentialOK := s.initiatorOK(req.Initiator, req.SecurityCredential)
	s.mu.Lock()
	ids := s.newInitiatorIDsLocked()
	// A reversal that succeeds is a money movement with a receipt of its own.
	ids.transactionID = s.newReceiptLocked(s.now())
	s.mu.Unlock()
	s.after(s.opts.CallbackDelay, func() { s.finishReversal(req, amount, ids, credentialOK) })
	return ack(c, ids.originatorID, ids.conversationID)
}

// finishReversal returns a customer's STK or C2B payment. B2C payouts cannot be reversed
// through the API, and neither can a receipt twice or for a different amount.
func (s *Sim) finishReversal(req reversalRequest, amount decimal.Decimal, ids initiatorIDs, credentialOK bool) {
	ref := queueTimeoutRef(req.QueueTimeOutURL)
	s.mu.Lock()
	orig := s.records[req.TransactionID]
	var result resultEnvelope
	switch {
	case !credentialOK:
		result = failure(ids, resultBadInitiator, descBadInitiator, ref)
	case orig == nil || (orig.kind != kindSTK && orig.kind != kindC2B) || orig.reversed ||
		!orig.amount.Equal(amount) || s.org.working.LessThan(amount):
		result = failure(ids, resultReversalInvalid, descReversalInvalid, ref)
	default:
		now := s.now()
		orig.reversed = true
		cust := s.customerLocked(orig.msisdn)
		s.settleLocked(&record{
			receipt: ids.transactionID, kind: kindReversal, msisdn: orig.msisdn, amount: amount,
			initiated: now, finalised: now,
		}, cust, "Reversal of "+orig.receipt+" to "+cust.publicName())
		result = success(ids, []param{
			{Key: "DebitAccountBalance", Value: accountLine("Working Account", s.org.working)},
			{Key: "Amount", Value: money(amount)},
			{Key: "TransCompletedTime", Value: stamp(now)},
			{Key: "OriginalTransactionID", Value: orig.receipt},
			{Key: "Charge", Value: money(decimal.Zero)},
			{Key: "CreditPartyPublicName", Value: cust.publicName()},
			{Key: "DebitPartyPublicName", Value: s.orgPublicName()},
		}, ref)
	}
	s.mu.Unlock()
	s.notify(req.ResultURL, "reversal-result", result)
}
