package sim

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

type balanceRequest struct {
	Initiator          string
	SecurityCredential string
	CommandID          string
	PartyA             flexString
	IdentifierType     flexString
	Remarks            string
	QueueTimeOutURL    string
	ResultURL          string
}

func (s *Sim) handleBalance(c *fiber.Ctx) error {
	var req balanceRequest
	if !s.parseBody(c, &req) {
		return s.fail(c, codeBadPayload, "Invalid Request Payload")
	}
	switch {
	case req.CommandID != "AccountBalance":
		return s.badRequest(c, "CommandID")
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
	s.after(s.opts.CallbackDelay, func() { s.answerBalance(req, ids, credentialOK) })
	return ack(c, ids.originatorID, ids.conversationID)
}

func (s *Sim) answerBalance(req balanceRequest, ids initiatorIDs, credentialOK bool) {
	ref := queueTimeoutRef(req.QueueTimeOutURL)
	if !credentialOK {
		s.notify(req.ResultURL, "balance-result", failure(ids, resultBadInitiator, descBadInitiator, ref))
		return
	}
	s.mu.Lock()
	value := strings.Join([]string{
		accountLine("Working Account", s.org.working),
		accountLine("Utility Account", s.org.utility),
		accountLine("Charges Paid Account", decimal.Zero),
	}, "&")
	now := s.now()
	s.mu.Unlock()
	s.notify(req.ResultURL, "balance-result", success(ids, []param{
		{Key: "AccountBalance", Value: value},
		{Key: "BOCompletedTime", Value: stamp(now)},
	}, ref))
}

// accountLine is Daraja's "Name|KES|current|available|reserved|uncleared"; the simulator
// reserves nothing, so current and available agree.
func accountLine(name string, balance decimal.Decimal) string {
	b := balance.StringFixed(2)
	return name + "|KES|" + b + "|" + b + "|0.00|0.00"
}
