package sim

import (
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// B2C limits. Amounts outside them are accepted and then fail in the result, as Daraja
// does (result codes 2 and 3), rather than being refused at once.
var (
	b2cMinAmount = decimal.NewFromInt(10)
	b2cMaxAmount = decimal.NewFromInt(250000)
)

// b2cCommands maps each CommandID to how the statement describes it.
var b2cCommands = map[string]string{
	"BusinessPayment":  "Business Payment to ",
	"SalaryPayment":    "Salary Payment to ",
	"PromotionPayment": "Promotion Payment to ",
}

type b2cRequest struct {
	OriginatorConversationID string
	InitiatorName            string
	SecurityCredential       string
	CommandID                string
	Amount                   flexString
	PartyA                   flexString
	PartyB                   flexString
	Remarks                  string
	QueueTimeOutURL          string
	ResultURL                string
	Occassion                string // sic
}

type paymentState int

const (
	paymentPending paymentState = iota
	paymentCompleted
	paymentFailed
)

// b2cPayment is one payout from acceptance to result.
type b2cPayment struct {
	ids          initiatorIDs // transactionID is the receipt, reserved at acceptance
	msisdn       string
	amount       decimal.Decimal
	command      string
	credentialOK bool
	queueTimeout bool // decided at acceptance: the result goes to QueueTimeOutURL
	resultURL    string
	timeoutURL   string
	requested    time.Time

	state      paymentState
	resultCode int
	resultDesc string
	finalised  time.Time
}

func (s *Sim) handleB2C(c *fiber.Ctx) error {
	var req b2cRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	amount, amountOK := wholeShillings(string(req.Amount))
	_, commandOK := b2cCommands[req.CommandID]
	switch n := utf8.RuneCountInString(req.Remarks); {
	case req.OriginatorConversationID == "":
		return s.badRequest(c, "OriginatorConversationID")
	case !commandOK:
		return s.badRequest(c, "CommandID")
	case !amountOK:
		return s.badRequest(c, "Amount")
	case string(req.PartyA) != s.opts.Shortcode:
		return s.badRequest(c, "PartyA")
	case !validMSISDN(string(req.PartyB)):
		return s.badRequest(c, "PartyB")
	case n < 2 || n > 100:
		return s.badRequest(c, "Remarks")
	case !validURL(req.ResultURL):
		return s.badRequest(c, "ResultURL")
	case !validURL(req.QueueTimeOutURL):
		return s.badRequest(c, "QueueTimeOutURL")
	}
	credentialOK := s.initiatorOK(req.InitiatorName, req.SecurityCredential)

	s.mu.Lock()
	if _, dup := s.payments[req.OriginatorConversationID]; dup {
		s.mu.Unlock()
		return s.fail(c, codeDuplicateOrigID, "Duplicate OriginatorConversationID.")
	}
	now := s.now()
	p := &b2cPayment{
		ids: initiatorIDs{
			originatorID:   req.OriginatorConversationID,
			conversationID: s.newConversationIDLocked(now),
			transactionID:  s.newReceiptLocked(now),
		},
		msisdn: string(req.PartyB), amount: amount, command: req.CommandID, credentialOK: credentialOK,
		queueTimeout: s.chanceLocked(s.faults.B2CQueueTimeout),
		resultURL:    req.ResultURL, timeoutURL: req.QueueTimeOutURL, requested: now,
	}
	s.payments[p.ids.originatorID] = p
	s.convs[p.ids.conversationID] = p
	s.mu.Unlock()
	s.log.Info("b2c accepted", "originator", p.ids.originatorID, "conversation", p.ids.conversationID,
		"phone", maskMSISDN(p.msisdn), "amount", amount.String())

	s.after(s.opts.CallbackDelay, func() { s.finishB2C(p) })
	return ack(c, p.ids.originatorID, p.ids.conversationID)
}

// finishB2C decides the payout, moves the money if it succeeds, and reports to ResultURL
// — or, when the queue time-out fault fired, to QueueTimeOutURL with no outcome at all.
func (s *Sim) finishB2C(p *b2cPayment) {
	s.mu.Lock()
	now := s.now()
	code, desc := resultOK, descOK
	switch {
	case !p.credentialOK:
		code, desc = resultBadInitiator, descBadInitiator
	case p.amount.LessThan(b2cMinAmount):
		code, desc = 2, "Declined due to limit rule: less than the minimum transaction amount."
	case p.amount.GreaterThan(b2cMaxAmount):
		code, desc = 3, "Declined due to limit rule: greater than the maximum transaction amount."
	case s.org.utility.LessThan(p.amount):
		code, desc = 1, "The balance is insufficient for the transaction."
	case s.customerLocked(p.msisdn).behaviour == behaviourUnregistered:
		code, desc = 2040, "Credit Party customer type (Unregistered or Registered Customer) can't be supported by the service."
	}
	p.resultCode, p.resultDesc, p.finalised = code, desc, now
	ref := queueTimeoutRef(p.timeoutURL)
	var result resultEnvelope
	if code != resultOK {
		p.state = paymentFailed
		result = failure(p.ids, code, desc, ref)
	} else {
		p.state = paymentCompleted
		cust := s.customerLocked(p.msisdn)
		s.settleLocked(&record{
			receipt: p.ids.transactionID, kind: kindB2C, msisdn: p.msisdn, amount: p.amount,
			originatorID: p.ids.originatorID, conversationID: p.ids.conversationID,
			initiated: p.requested, finalised: now,
		}, cust, b2cCommands[p.command]+cust.publicName())
		result = success(p.ids, []param{
			{Key: "TransactionAmount", Value: wholeNumber(p.amount)},
			{Key: "TransactionReceipt", Value: p.ids.transactionID},
			{Key: "ReceiverPartyPublicName", Value: cust.publicName()},
			{Key: "TransactionCompletedDateTime", Value: now.Format("02.01.2006 15:04:05")},
			{Key: "B2CUtilityAccountAvailableFunds", Value: money(s.org.utility)},
			{Key: "B2CWorkingAccountAvailableFunds", Value: money(s.org.working)},
			{Key: "B2CRecipientIsRegisteredCustomer", Value: "Y"},
			{Key: "B2CChargesPaidAccountAvailableFunds", Value: money(decimal.Zero)},
		}, ref)
	}
	s.mu.Unlock()
	s.log.Info("b2c finished", "originator", p.ids.originatorID, "result", code, "queue_timeout", p.queueTimeout)

	if p.queueTimeout {
		// The payment happened (or failed) all the same; only Transaction Status knows.
		s.notify(p.timeoutURL, "b2c-timeout", resultEnvelope{Result: asyncResult{
			ResultType: 1, ResultCode: "SVC0403", ResultDesc: "The request timed out in the queue.",
			OriginatorConversationID: p.ids.originatorID, ConversationID: p.ids.conversationID,
			ReferenceData: referenceData{ReferenceItem: ref},
		}})
		return
	}
	s.notify(p.resultURL, "b2c-result", result)
}
