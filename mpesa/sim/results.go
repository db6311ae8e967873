package sim

import (
	"github.com/gofiber/fiber/v2"
)

// The initiator APIs (B2C, Transaction Status, Reversal, Account Balance) all answer at
// once with an ack and later post a {"Result":{…}} to ResultURL.

const ackDescription = "Accept the service request successfully."

type asyncAck struct {
	OriginatorConversationID string `json:"OriginatorConversationID"`
	ConversationID           string `json:"ConversationID"`
	ResponseCode             string `json:"ResponseCode"`
	ResponseDescription      string `json:"ResponseDescription"`
}

func ack(c *fiber.Ctx, originatorID, conversationID string) error {
	return c.JSON(asyncAck{
		OriginatorConversationID: originatorID, ConversationID: conversationID,
		ResponseCode: "0", ResponseDescription: ackDescription,
	})
}

type resultEnvelope struct {
	Result asyncResult `json:"Result"`
}

type asyncResult struct {
	ResultType int `json:"ResultType"`
	// ResultCode is a number, except where Daraja sends a string (a failed reversal's
	// "R000002", a queue time-out's "SVC0403"), which is why clients must not assume int.
	ResultCode               any               `json:"ResultCode"`
	ResultDesc               string            `json:"ResultDesc"`
	OriginatorConversationID string            `json:"OriginatorConversationID"`
	ConversationID           string            `json:"ConversationID"`
	TransactionID            string            `json:"TransactionID"`
	ResultParameters         *resultParameters `json:"ResultParameters,omitempty"`
	ReferenceData            referenceData     `json:"ReferenceData"`
}

type resultParameters struct {
	ResultParameter []param `json:"ResultParameter"`
}

type param struct {
	Key   string `json:"Key"`
	Value any    `json:"Value"`
}

// referenceData holds a single item as an object, not a list, as Daraja sends it.
type referenceData struct {
	ReferenceItem param `json:"ReferenceItem"`
}

// Result codes shared by the initiator APIs.
const (
	resultOK           = 0
	resultBadInitiator = 2001
)

const (
	descOK           = "The service request is processed successfully."
	descBadInitiator = "The initiator information is invalid."
)

// initiatorIDs is what an initiator request is known by.
type initiatorIDs struct {
	originatorID   string
	conversationID string
	transactionID  string
}

// newInitiatorIDsLocked draws the ids for a request that moves no money; originatorID
// is ours to make when the API (unlike B2C v3) does not take one from the client.
func (s *Sim) newInitiatorIDsLocked() initiatorIDs {
	now := s.now()
	return initiatorIDs{
		originatorID:   s.newRequestIDLocked(),
		conversationID: s.newConversationIDLocked(now),
		transactionID:  s.newTransactionIDLocked(now),
	}
}

// failure is a result with no parameters.
func failure(ids initiatorIDs, code any, desc string, ref param) resultEnvelope {
	return resultEnvelope{Result: asyncResult{
		ResultCode: code, ResultDesc: desc,
		OriginatorConversationID: ids.originatorID, ConversationID: ids.conversationID,
		TransactionID: ids.transactionID, ReferenceData: referenceData{ReferenceItem: ref},
	}}
}

// success is a result with parameters.
func success(ids initiatorIDs, params []param, ref param) resultEnvelope {
	env := failure(ids, resultOK, descOK, ref)
	env.Result.ResultParameters = &resultParameters{ResultParameter: params}
	return env
}

// queueTimeoutRef is the ReferenceData item that names the QueueTimeOutURL.
func queueTimeoutRef(u string) param { return param{Key: "QueueTimeoutURL", Value: u} }
