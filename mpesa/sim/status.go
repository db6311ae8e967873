package sim

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// Transaction Status answers from the simulator's own records, so it tells the truth
// that a dropped callback or a queue time-out hid.

const (
	resultNotFound = 2032
	descNotFound   = "The transaction receipt number does not exist."
)

type statusRequest struct {
	Initiator              string
	SecurityCredential     string
	CommandID              string
	TransactionID          string
	OriginalConversationID string
	PartyA                 flexString
	IdentifierType         flexString
	ResultURL              string
	QueueTimeOutURL        string
	Remarks                string
	Occasion               string
}

func (s *Sim) handleStatus(c *fiber.Ctx) error {
	var req statusRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	switch {
	case req.CommandID != "TransactionStatusQuery":
		return s.badRequest(c, "CommandID")
	case req.TransactionID == "" && req.OriginalConversationID == "":
		return s.badRequest(c, "TransactionID")
	case string(req.PartyA) != s.opts.Shortcode:
		return s.badRequest(c, "PartyA")
	case req.IdentifierType != "4":
		return s.badRequest(c, "IdentifierType")
	case !validURL(req.ResultURL):
		return s.badRequest(c, "ResultURL")
	case !validURL(req.QueueTimeOutURL):
		return s.badRequest(c, "QueueTimeOutURL")
	}
	credentialOK := s.initiatorOK(req.Initiator, req.SecurityCredential)
	s.mu.Lock()
	ids := s.newInitiatorIDsLocked()
	s.mu.Unlock()
	s.after(s.opts.CallbackDelay, func() { s.answerStatus(req, ids, credentialOK) })
	return ack(c, ids.originatorID, ids.conversationID)
}

// answerStatus posts the status result. A payment still being processed is not
// reported as missing (a client could then pay twice): the answer waits until it ends.
func (s *Sim) answerStatus(req statusRequest, ids initiatorIDs, credentialOK bool) {
	ref := param{Key: "Occasion", Value: req.Occasion}
	if !credentialOK {
		s.notify(req.ResultURL, "status-result", failure(ids, resultBadInitiator, descBadInitiator, ref))
		return
	}
	s.mu.Lock()
	v, pending := s.lookupLocked(req.TransactionID, req.OriginalConversationID)
	var result resultEnvelope
	switch {
	case pending:
		s.mu.Unlock()
		s.after(s.opts.CallbackDelay, func() { s.answerStatus(req, ids, credentialOK) })
		return
	case v == nil:
		result = failure(ids, resultNotFound, descNotFound, ref)
	default:
		result = success(ids, []param{
			{Key: "DebitPartyName", Value: v.debit},
			{Key: "CreditPartyName", Value: v.credit},
			{Key: "OriginatorConversationID", Value: v.originatorID},
			{Key: "InitiatedTime", Value: stamp(v.initiated)},
			{Key: "DebitPartyCharges", Value: ""},
			{Key: "TransactionReason", Value: ""},
			{Key: "ReasonType", Value: v.reason},
			{Key: "TransactionStatus", Value: v.status},
			{Key: "FinalisedTime", Value: stamp(v.finalised)},
			{Key: "Amount", Value: wholeNumber(v.amount)},
			{Key: "ConversationID", Value: v.conversationID},
			{Key: "ReceiptNo", Value: v.receipt},
		}, ref)
	}
	s.mu.Unlock()
	s.notify(req.ResultURL, "status-result", result)
}

// statusView is a transaction as Transaction Status describes it.
type statusView struct {
	receipt        string
	status         string // Completed, Reversed or Failed
	reason         string
	debit, credit  string
	amount         decimal.Decimal
	initiated      time.Time
	finalised      time.Time
	originatorID   string
	conversationID string
}

// lookupLocked finds a transaction by receipt, else by OriginalConversationID (the
// client's OriginatorConversationID or Daraja's ConversationID of a B2C payment). It
// reports pending for a B2C payment that has not finished.
//
// An STK push is found by its CheckoutRequestID too: when the push's callback was lost and
// the STK query says only "paid", this is how a client learns the receipt.
func (s *Sim) lookupLocked(receipt, conversation string) (*statusView, bool) {
	if r, ok := s.records[receipt]; ok {
		return s.recordViewLocked(r), false
	}
	if push, ok := s.pushes[conversation]; ok {
		if !push.done {
			return nil, true
		}
		if r, ok := s.records[push.receipt]; ok && push.outcome == stkSuccess {
			return s.recordViewLocked(r), false
		}
		return nil, false
	}
	p := s.payments[conversation]
	if p == nil {
		p = s.convs[conversation]
	}
	if p == nil && receipt != "" {
		for _, q := range s.payments { // a failed payout's id is in no record
			if q.ids.transactionID == receipt {
				p = q
				break
			}
		}
	}
	switch {
	case p == nil:
		return nil, false
	case p.state == paymentPending:
		return nil, true
	case p.state == paymentCompleted:
		return s.recordViewLocked(s.records[p.ids.transactionID]), false
	}
	return &statusView{
		receipt: p.ids.transactionID, status: "Failed", reason: "Business Payment to Customer via API",
		debit: s.orgPublicName(), credit: s.customerLocked(p.msisdn).publicName(), amount: p.amount,
		initiated: p.requested, finalised: p.finalised,
		originatorID: p.ids.originatorID, conversationID: p.ids.conversationID,
	}, false
}

func (s *Sim) recordViewLocked(r *record) *statusView {
	cust := s.customerLocked(r.msisdn).publicName()
	v := &statusView{
		receipt: r.receipt, status: "Completed", amount: r.amount, initiated: r.initiated, finalised: r.finalised,
		originatorID: r.originatorID, conversationID: r.conversationID,
	}
	if r.reversed {
		v.status = "Reversed"
	}
	switch r.kind {
	case kindSTK:
		v.reason, v.debit, v.credit = "Pay Bill Online", cust, s.orgPublicName()
	case kindC2B:
		v.reason, v.debit, v.credit = "Pay Bill", cust, s.orgPublicName()
	case kindB2C:
		v.reason, v.debit, v.credit = "Business Payment to Customer via API", s.orgPublicName(), cust
	case kindReversal:
		v.reason, v.debit, v.credit = "Reversal", s.orgPublicName(), cust
	}
	return v
}
