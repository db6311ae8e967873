package mpesa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"
)

// STKPush asks a customer to pay: M-Pesa shows a PIN prompt on their phone.
type STKPush struct {
	Phone            string          // the payer: +2547…, 2547… or any spelling internal/phone accepts
	Amount           decimal.Decimal // whole shillings, MinSTKAmount to MaxSTKAmount
	AccountReference string          // 1 to 12 characters, shown to the customer
	Description      string          // 1 to 13 characters
	CallbackURL      string          // where M-Pesa posts the outcome
	TillNumber       bool            // the shortcode is a till (Buy Goods), not a paybill
}

// STKAccepted is Daraja's word that the prompt is on its way. CheckoutRequestID is the
// key the callback and STKQuery use.
type STKAccepted struct {
	MerchantRequestID string
	CheckoutRequestID string
	ResponseCode      Code
	CustomerMessage   string
}

// STKStatus is what STKQuery learnt. Done is true once M-Pesa has a final ResultCode
// (0 paid; 1032 cancelled, 1037 unreachable, 2001 wrong PIN and the rest failed).
type STKStatus struct {
	Done       bool
	ResultCode Code
	ResultDesc string
}

type stkPushRequest struct {
	BusinessShortCode json.Number
	Password          string
	Timestamp         string
	TransactionType   string
	Amount            string
	PartyA            string
	PartyB            string
	PhoneNumber       string
	CallBackURL       string
	AccountReference  string
	TransactionDesc   string
}

type stkPushReply struct {
	MerchantRequestID   FlexString
	CheckoutRequestID   FlexString
	ResponseCode        Code
	ResponseDescription string
	CustomerMessage     string
}

func (r *stkPushReply) ack() (Code, string) { return r.ResponseCode, r.ResponseDescription }

// STKPush sends the payment prompt. It is never retried: a second push would prompt the
// customer twice. On a network error the prompt may or may not have gone out; the
// callback, or its absence, tells.
func (c *Client) STKPush(ctx context.Context, p STKPush) (STKAccepted, error) {
	req, err := c.stkPushRequest(p)
	if err != nil {
		return STKAccepted{}, fmt.Errorf("mpesa: stk push: %w", err)
	}
	var reply stkPushReply
	if err := c.post(ctx, "/mpesa/stkpush/v1/processrequest", req, &reply, false); err != nil {
		return STKAccepted{}, fmt.Errorf("mpesa: stk push: %w", err)
	}
	if reply.CheckoutRequestID == "" {
		return STKAccepted{}, fmt.Errorf("mpesa: stk push: %w: no CheckoutRequestID", ErrUnexpectedResponse)
	}
	return STKAccepted{
		MerchantRequestID: string(reply.MerchantRequestID),
		CheckoutRequestID: string(reply.CheckoutRequestID),
		ResponseCode:      reply.ResponseCode,
		CustomerMessage:   reply.CustomerMessage,
	}, nil
}

func (c *Client) stkPushRequest(p STKPush) (stkPushRequest, error) {
	if c.passkey == "" {
		return stkPushRequest{}, ErrNoPasskey
	}
	phone, err := msisdn("phone", p.Phone)
	if err != nil {
		return stkPushRequest{}, err
	}
	amount, err := shillings(p.Amount, MinSTKAmount, MaxSTKAmount)
	if err != nil {
		return stkPushRequest{}, err
	}
	if err := text("account reference", p.AccountReference, 1, 12); err != nil {
		return stkPushRequest{}, err
	}
	if err := text("description", p.Description, 1, 13); err != nil {
		return stkPushRequest{}, err
	}
	if err := callbackURL("callback URL", p.CallbackURL); err != nil {
		return stkPushRequest{}, err
	}
	kind := "CustomerPayBillOnline"
	if p.TillNumber {
		kind = "CustomerBuyGoodsOnline"
	}
	password, ts := c.stkPassword()
	return stkPushRequest{
		BusinessShortCode: json.Number(c.shortcode),
		Password:          password,
		Timestamp:         ts,
		TransactionType:   kind,
		Amount:            amount,
		PartyA:            phone,
		PartyB:            c.shortcode,
		PhoneNumber:       phone,
		CallBackURL:       p.CallbackURL,
		AccountReference:  p.AccountReference,
		TransactionDesc:   p.Description,
	}, nil
}

type stkQueryRequest struct {
	BusinessShortCode json.Number
	Password          string
	Timestamp         string
	CheckoutRequestID string
}

type stkQueryReply struct {
	ResponseCode        Code
	ResponseDescription string
	ResultCode          Code
	ResultDesc          string
}

func (r *stkQueryReply) ack() (Code, string) { return r.ResponseCode, r.ResponseDescription }

// STKQuery asks how the push checkoutID ended. While the customer has not answered it
// returns an error matching ErrStillProcessing: pending, not failed. Sandbox queries have
// reported failure for pushes whose callback said success, so a query never overrides a
// callback's success. Being read-only, it is retried on network errors and 5xx.
func (c *Client) STKQuery(ctx context.Context, checkoutID string) (STKStatus, error) {
	if c.passkey == "" {
		return STKStatus{}, fmt.Errorf("mpesa: stk query: %w", ErrNoPasskey)
	}
	if checkoutID == "" {
		return STKStatus{}, fmt.Errorf("mpesa: stk query: %w", invalid("checkout request id is required"))
	}
	password, ts := c.stkPassword()
	req := stkQueryRequest{
		BusinessShortCode: json.Number(c.shortcode),
		Password:          password,
		Timestamp:         ts,
		CheckoutRequestID: checkoutID,
	}
	var reply stkQueryReply
	if err := c.post(ctx, "/mpesa/stkpushquery/v1/query", req, &reply, true); err != nil {
		return STKStatus{}, fmt.Errorf("mpesa: stk query: %w", err)
	}
	return STKStatus{Done: reply.ResultCode != "", ResultCode: reply.ResultCode, ResultDesc: reply.ResultDesc}, nil
}

// stkPassword is base64(Shortcode+Passkey+Timestamp) with the timestamp it was made for.
func (c *Client) stkPassword() (password, timestamp string) {
	timestamp = c.timestamp()
	return base64.StdEncoding.EncodeToString([]byte(c.shortcode + c.passkey + timestamp)), timestamp
}
