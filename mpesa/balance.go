package mpesa

import (
	"context"
	"fmt"
)

type balanceRequest struct {
	Initiator          string
	SecurityCredential string
	CommandID          string
	PartyA             string
	IdentifierType     string
	Remarks            string
	QueueTimeOutURL    string
	ResultURL          string
}

// AccountBalance asks for the shortcode's balances; they come as a Result to resultURL
// whose AccountBalance parameter reads like
// "Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|…".
func (c *Client) AccountBalance(ctx context.Context, resultURL, timeoutURL string) (Accepted, error) {
	const remarks = "Account balance"
	if err := c.resultFields(remarks, "", resultURL, timeoutURL); err != nil {
		return Accepted{}, fmt.Errorf("mpesa: account balance: %w", err)
	}
	cred, err := c.securityCredential()
	if err != nil {
		return Accepted{}, fmt.Errorf("mpesa: account balance: %w", err)
	}
	req := balanceRequest{
		Initiator:          c.initiator,
		SecurityCredential: cred,
		CommandID:          "AccountBalance",
		PartyA:             c.shortcode,
		IdentifierType:     "4",
		Remarks:            remarks,
		QueueTimeOutURL:    timeoutURL,
		ResultURL:          resultURL,
	}
	var reply acceptedReply
	if err := c.post(ctx, "/mpesa/accountbalance/v1/query", req, &reply, false); err != nil {
		return Accepted{}, fmt.Errorf("mpesa: account balance: %w", err)
	}
	return reply.accepted(), nil
}
