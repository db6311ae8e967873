package mpesa

import (
	"context"
	"fmt"
)

// StatusQuery asks what became of an earlier transaction, named by its receipt
// (TransactionID), by the OriginatorConversationID we gave it, or both.
type StatusQuery struct {
	TransactionID            string
	OriginatorConversationID string // of the transaction asked about
	ResultURL                string
	QueueTimeOutURL          string
	Remarks                  string // 2 to 100 characters; "Transaction status" if empty
	Occasion                 string // optional
}

type statusRequest struct {
	Initiator              string
	SecurityCredential     string
	CommandID              string
	TransactionID          string `json:",omitempty"`
	OriginalConversationID string `json:",omitempty"`
	PartyA                 string
	IdentifierType         string
	ResultURL              string
	QueueTimeOutURL        string
	Remarks                string
	Occasion               string
}

// TransactionStatus asks M-Pesa for the fate of a transaction; the answer comes as a
// Result to q.ResultURL. It changes nothing, so network errors and 5xx are retried.
func (c *Client) TransactionStatus(ctx context.Context, q StatusQuery) (Accepted, error) {
	if q.Remarks == "" {
		q.Remarks = "Transaction status"
	}
	req, err := c.statusRequest(q)
	if err != nil {
		return Accepted{}, fmt.Errorf("mpesa: transaction status: %w", err)
	}
	var reply acceptedReply
	if err := c.post(ctx, "/mpesa/transactionstatus/v1/query", req, &reply, true); err != nil {
		return Accepted{}, fmt.Errorf("mpesa: transaction status: %w", err)
	}
	return reply.accepted(), nil
}

func (c *Client) statusRequest(q StatusQuery) (statusRequest, error) {
	if q.TransactionID == "" && q.OriginatorConversationID == "" {
		return statusRequest{}, invalid("a transaction id or an originator conversation id is required")
	}
	if err := c.resultFields(q.Remarks, q.Occasion, q.ResultURL, q.QueueTimeOutURL); err != nil {
		return statusRequest{}, err
	}
	cred, err := c.securityCredential()
	if err != nil {
		return statusRequest{}, err
	}
	return statusRequest{
		Initiator:              c.initiator,
		SecurityCredential:     cred,
		CommandID:              "TransactionStatusQuery",
		TransactionID:          q.TransactionID,
		OriginalConversationID: q.OriginatorConversationID,
		PartyA:                 c.shortcode,
		IdentifierType:         "4",
		ResultURL:              q.ResultURL,
		QueueTimeOutURL:        q.QueueTimeOutURL,
		Remarks:                q.Remarks,
		Occasion:               q.Occasion,
	}, nil
}
