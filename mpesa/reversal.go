package mpesa

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
)

// Reversal asks M-Pesa to return a payment the shortcode received (C2B or STK). B2C
// payments cannot be reversed through the API.
type Reversal struct {
	TransactionID   string          // the receipt of the payment to return
	Amount          decimal.Decimal // whole shillings
	ResultURL       string
	QueueTimeOutURL string
	Remarks         string // 2 to 100 characters
}

type reversalRequest struct {
	Initiator              string
	SecurityCredential     string
	CommandID              string
	TransactionID          string
	Amount                 string
	ReceiverParty          string
	ReceiverIdentifierType string `json:"RecieverIdentifierType"` // sic
	ResultURL              string
	QueueTimeOutURL        string
	Remarks                string
}

// Reversal requests the reversal; the outcome comes as a Result to r.ResultURL, whose
// ResultCode may be a string such as "R000002". It is not retried: M-Pesa has no key of
// ours to recognise a second request by.
func (c *Client) Reversal(ctx context.Context, r Reversal) (Accepted, error) {
	req, err := c.reversalRequest(r)
	if err != nil {
		return Accepted{}, fmt.Errorf("mpesa: reversal: %w", err)
	}
	var reply acceptedReply
	if err := c.post(ctx, "/mpesa/reversal/v1/request", req, &reply, false); err != nil {
		return Accepted{}, fmt.Errorf("mpesa: reversal: %w", err)
	}
	return reply.accepted(), nil
}

func (c *Client) reversalRequest(r Reversal) (reversalRequest, error) {
	if err := text("transaction id", r.TransactionID, 1, 100); err != nil {
		return reversalRequest{}, err
	}
	amount, err := shillings(r.Amount, 1, MaxSTKAmount) // a paybill receives at most what STK may ask
	if err != nil {
		return reversalRequest{}, err
	}
	if err := c.resultFields(r.Remarks, "", r.ResultURL, r.QueueTimeOutURL); err != nil {
		return reversalRequest{}, err
	}
	cred, err := c.securityCredential()
	if err != nil {
		return reversalRequest{}, err
	}
	return reversalRequest{
		Initiator:              c.initiator,
		SecurityCredential:     cred,
		CommandID:              "TransactionReversal",
		TransactionID:          r.TransactionID,
		Amount:                 amount,
		ReceiverParty:          c.shortcode,
		ReceiverIdentifierType: "11",
		ResultURL:              r.ResultURL,
		QueueTimeOutURL:        r.QueueTimeOutURL,
		Remarks:                r.Remarks,
	}, nil
}
