package mpesa

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
)

// B2C command ids.
const (
	BusinessPayment  = "BusinessPayment"
	SalaryPayment    = "SalaryPayment"
	PromotionPayment = "PromotionPayment"
)

// B2C pays a customer from the shortcode.
type B2C struct {
	OriginatorConversationID string          // ours, persisted before the call: the idempotency key
	Phone                    string          // the payee, in any spelling internal/phone accepts
	Amount                   decimal.Decimal // whole shillings, MinB2CAmount to MaxB2CAmount
	CommandID                string          // BusinessPayment if empty, SalaryPayment, PromotionPayment
	Remarks                  string          // 2 to 100 characters
	Occasion                 string          // optional, up to 100 characters
	ResultURL                string
	QueueTimeOutURL          string
}

// Accepted is Daraja's synchronous acknowledgement of a request whose real answer comes
// later as a Result posted to ResultURL, or as a call to QueueTimeOutURL (unknown, not
// failed).
type Accepted struct {
	OriginatorConversationID string
	ConversationID           string
	ResponseCode             Code
	ResponseDescription      string
}

type acceptedReply struct {
	OriginatorConversationID FlexString
	ConversationID           FlexString
	ResponseCode             Code
	ResponseDescription      string
}

func (r *acceptedReply) ack() (Code, string) { return r.ResponseCode, r.ResponseDescription }

func (r acceptedReply) accepted() Accepted {
	return Accepted{
		OriginatorConversationID: string(r.OriginatorConversationID),
		ConversationID:           string(r.ConversationID),
		ResponseCode:             r.ResponseCode,
		ResponseDescription:      r.ResponseDescription,
	}
}

type b2cRequest struct {
	OriginatorConversationID string
	InitiatorName            string
	SecurityCredential       string
	CommandID                string
	Amount                   string
	PartyA                   string
	PartyB                   string
	Remarks                  string
	QueueTimeOutURL          string
	ResultURL                string
	Occasion                 string `json:"Occassion"` // sic
}

// B2C sends money to a customer. The OriginatorConversationID makes it safe to repeat,
// so network errors and 5xx are retried: a request that did reach M-Pesa answers
// ErrDuplicateOriginator the second time. That error always means M-Pesa has this
// payment already, from this call or an earlier one: never pay again, wait for the Result
// or ask TransactionStatus.
func (c *Client) B2C(ctx context.Context, p B2C) (Accepted, error) {
	req, err := c.b2cRequest(p)
	if err != nil {
		return Accepted{}, fmt.Errorf("mpesa: b2c: %w", err)
	}
	var reply acceptedReply
	if err := c.post(ctx, "/mpesa/b2c/v3/paymentrequest", req, &reply, true); err != nil {
		return Accepted{}, fmt.Errorf("mpesa: b2c: %w", err)
	}
	return reply.accepted(), nil
}

func (c *Client) b2cRequest(p B2C) (b2cRequest, error) {
	if err := text("originator conversation id", p.OriginatorConversationID, 1, 100); err != nil {
		return b2cRequest{}, err
	}
	phone, err := msisdn("phone", p.Phone)
	if err != nil {
		return b2cRequest{}, err
	}
	amount, err := shillings(p.Amount, MinB2CAmount, MaxB2CAmount)
	if err != nil {
		return b2cRequest{}, err
	}
	cmd := p.CommandID
	switch cmd {
	case "":
		cmd = BusinessPayment
	case BusinessPayment, SalaryPayment, PromotionPayment:
	default:
		return b2cRequest{}, invalid("command id %q is not a B2C command", cmd)
	}
	if err := c.resultFields(p.Remarks, p.Occasion, p.ResultURL, p.QueueTimeOutURL); err != nil {
		return b2cRequest{}, err
	}
	cred, err := c.securityCredential()
	if err != nil {
		return b2cRequest{}, err
	}
	return b2cRequest{
		OriginatorConversationID: p.OriginatorConversationID,
		InitiatorName:            c.initiator,
		SecurityCredential:       cred,
		CommandID:                cmd,
		Amount:                   amount,
		PartyA:                   c.shortcode,
		PartyB:                   phone,
		Remarks:                  p.Remarks,
		QueueTimeOutURL:          p.QueueTimeOutURL,
		ResultURL:                p.ResultURL,
		Occasion:                 p.Occasion,
	}, nil
}

// resultFields checks what every call answered by a Result carries.
func (c *Client) resultFields(remarks, occasion, resultURL, timeoutURL string) error {
	if err := text("remarks", remarks, 2, 100); err != nil {
		return err
	}
	if err := text("occasion", occasion, 0, 100); err != nil {
		return err
	}
	if err := callbackURL("result URL", resultURL); err != nil {
		return err
	}
	return callbackURL("queue time-out URL", timeoutURL)
}
