package mpesa

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// What M-Pesa posts to our URLs. The parsers take the raw body the webhook stored, are
// strict about what settlement needs (ids, codes, a successful payment's amount and
// receipt) and lenient about how Daraja spells the rest. Whatever they refuse wraps
// ErrMalformedCallback. ParseC2B stands with the rest of C2B in c2b.go.

// STKCallback is the outcome of an STK push, posted to its CallbackURL.
type STKCallback struct {
	MerchantRequestID string
	CheckoutRequestID string
	ResultCode        Code
	ResultDesc        string
	Amount            decimal.Decimal // set on success
	Receipt           string          // MpesaReceiptNumber, set on success
	Phone             string          // as M-Pesa sent it, possibly masked
	TransactionDate   time.Time       // in Nairobi time; zero when absent
	Success           bool
}

type stkCallbackBody struct {
	Body *struct {
		STKCallback *struct {
			MerchantRequestID FlexString
			CheckoutRequestID FlexString
			ResultCode        Code
			ResultDesc        string
			CallbackMetadata  *struct {
				Item json.RawMessage
			}
		} `json:"stkCallback"`
	}
}

type nameValue struct {
	Name  FlexString
	Value json.RawMessage
}

// ParseSTKCallback reads an STK callback. A failure carries no CallbackMetadata; a
// success without an amount and a receipt is refused.
func ParseSTKCallback(body []byte) (STKCallback, error) {
	var in stkCallbackBody
	if err := json.Unmarshal(body, &in); err != nil {
		return STKCallback{}, malformed("stk callback: %w", err)
	}
	if in.Body == nil || in.Body.STKCallback == nil {
		return STKCallback{}, malformed("stk callback: no Body.stkCallback")
	}
	cb := in.Body.STKCallback
	out := STKCallback{
		MerchantRequestID: string(cb.MerchantRequestID),
		CheckoutRequestID: string(cb.CheckoutRequestID),
		ResultCode:        cb.ResultCode,
		ResultDesc:        cb.ResultDesc,
		Success:           cb.ResultCode.IsSuccess(),
	}
	if out.CheckoutRequestID == "" {
		return STKCallback{}, malformed("stk callback: no CheckoutRequestID")
	}
	if out.ResultCode == "" {
		return STKCallback{}, malformed("stk callback: no ResultCode")
	}
	var items []nameValue
	if cb.CallbackMetadata != nil {
		var err error
		if items, err = oneOrMany[nameValue](cb.CallbackMetadata.Item); err != nil {
			return STKCallback{}, malformed("stk callback: CallbackMetadata.Item: %w", err)
		}
	}
	meta, err := textValues(items, func(i nameValue) (FlexString, json.RawMessage) { return i.Name, i.Value })
	if err != nil {
		return STKCallback{}, malformed("stk callback: %w", err)
	}
	out.Receipt = meta["MpesaReceiptNumber"]
	out.Phone = meta["PhoneNumber"]
	if s, ok := meta["Amount"]; ok {
		if out.Amount, err = parseNumber(strings.TrimSpace(s)); err != nil {
			return STKCallback{}, malformed("stk callback: %w", err)
		}
	}
	if s := meta["TransactionDate"]; s != "" {
		if out.TransactionDate, err = time.ParseInLocation(timestampLayout, s, nairobi); err != nil {
			return STKCallback{}, malformed("stk callback: TransactionDate %q: %w", s, err)
		}
	}
	if out.Success && (out.Receipt == "" || !out.Amount.IsPositive()) {
		return STKCallback{}, malformed("stk callback: success without a receipt and a positive amount")
	}
	return out, nil
}

// Result is the answer to B2C, Transaction Status, Reversal and Account Balance, posted
// to the ResultURL.
type Result struct {
	ResultType               string
	ResultCode               Code // may be a string such as "R000002"
	ResultDesc               string
	OriginatorConversationID string
	ConversationID           string
	TransactionID            string
	Params                   map[string]string // every ResultParameter as text
	Reference                map[string]string // every ReferenceItem as text
	Amount                   decimal.Decimal   // TransactionAmount or Amount; zero if neither
	Receipt                  string            // TransactionReceipt or ReceiptNo
	Completed                time.Time         // TransactionCompletedDateTime or FinalisedTime, Nairobi time
}

type resultBody struct {
	Result *struct {
		ResultType               FlexString
		ResultCode               Code
		ResultDesc               string
		OriginatorConversationID FlexString
		ConversationID           FlexString
		TransactionID            FlexString
		ResultParameters         json.RawMessage
		ReferenceData            json.RawMessage
	}
}

type keyValue struct {
	Key   FlexString
	Value json.RawMessage
}

// ParseResult reads a {"Result":{…}} callback. ResultParameter and ReferenceItem may each
// be one object or an array of them.
func ParseResult(body []byte) (Result, error) {
	var in resultBody
	if err := json.Unmarshal(body, &in); err != nil {
		return Result{}, malformed("result: %w", err)
	}
	r := in.Result
	if r == nil {
		return Result{}, malformed("result: no Result")
	}
	out := Result{
		ResultType:               string(r.ResultType),
		ResultCode:               r.ResultCode,
		ResultDesc:               r.ResultDesc,
		OriginatorConversationID: string(r.OriginatorConversationID),
		ConversationID:           string(r.ConversationID),
		TransactionID:            string(r.TransactionID),
	}
	if out.ResultCode == "" {
		return Result{}, malformed("result: no ResultCode")
	}
	if out.OriginatorConversationID == "" && out.ConversationID == "" {
		return Result{}, malformed("result: neither OriginatorConversationID nor ConversationID")
	}
	var err error
	if out.Params, err = keyValues(r.ResultParameters, "ResultParameter"); err != nil {
		return Result{}, malformed("result: ResultParameters: %w", err)
	}
	if out.Reference, err = keyValues(r.ReferenceData, "ReferenceItem"); err != nil {
		return Result{}, malformed("result: ReferenceData: %w", err)
	}
	for _, k := range []string{"TransactionAmount", "Amount"} {
		if s, ok := out.Params[k]; ok {
			if out.Amount, err = parseNumber(strings.TrimSpace(s)); err != nil {
				return Result{}, malformed("result: %s: %w", k, err)
			}
			break
		}
	}
	out.Receipt = out.Params["TransactionReceipt"]
	if out.Receipt == "" {
		out.Receipt = out.Params["ReceiptNo"]
	}
	for _, f := range []struct{ key, layout string }{
		{"TransactionCompletedDateTime", completedLayout},
		{"FinalisedTime", timestampLayout},
	} {
		if s := strings.TrimSpace(out.Params[f.key]); s != "" {
			if out.Completed, err = time.ParseInLocation(f.layout, s, nairobi); err != nil {
				return Result{}, malformed("result: %s %q: %w", f.key, s, err)
			}
			break
		}
	}
	return out, nil
}

// keyValues reads {"<list>": one or many {"Key","Value"}}; absent, null or "" give an
// empty map.
func keyValues(raw json.RawMessage, list string) (map[string]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return map[string]string{}, nil
	}
	var wrapper map[string]json.RawMessage
	if err := json.Unmarshal(raw, &wrapper); err != nil {
		return nil, err
	}
	items, err := oneOrMany[keyValue](wrapper[list])
	if err != nil {
		return nil, err
	}
	return textValues(items, func(i keyValue) (FlexString, json.RawMessage) { return i.Key, i.Value })
}

// textValues renders every named value as text; an item without a value (STK's
// {"Name":"Balance"}) is left out.
func textValues[T any](items []T, split func(T) (FlexString, json.RawMessage)) (map[string]string, error) {
	out := make(map[string]string, len(items))
	for _, it := range items {
		name, raw := split(it)
		if len(raw) == 0 {
			continue
		}
		v, err := valueText(raw)
		if err != nil {
			return nil, err
		}
		out[string(name)] = v
	}
	return out, nil
}

// valueText renders a parameter's value: scalars as scalarText does, objects and arrays
// as their compact JSON, so an unforeseen shape is kept rather than refused.
func valueText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	return scalarText(raw)
}
