package sim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSTKBehaviours(t *testing.T) {
	tests := []struct {
		behaviour string
		balance   string
		wantCode  float64
		wantAfter string // the customer's balance afterwards
	}{
		{"accept", "5000.00", 0, "4900.00"},
		{"cancel", "5000.00", 1032, "5000.00"},
		{"wrong_pin", "5000.00", 2001, "5000.00"},
		{"timeout", "5000.00", 1037, "5000.00"},
		{"insufficient", "5000.00", 1, "5000.00"},
		{"accept", "50.00", 1, "50.00"}, // accepts, but cannot afford it
	}
	for _, tc := range tests {
		t.Run(tc.behaviour+"/"+tc.balance, func(t *testing.T) {
			h := newHarness(t)
			h.customer("254708374149", tc.balance, tc.behaviour)
			checkout := h.push("254708374149", "100")
			cb := stkCallbackOf(t, h.hooks.next(t, "/hooks/daraja/stk"))

			if !isNumber(cb["ResultCode"]) || cb["ResultCode"].(float64) != tc.wantCode {
				t.Fatalf("ResultCode = %#v, want the number %v", cb["ResultCode"], tc.wantCode)
			}
			if cb["CheckoutRequestID"] != checkout || !isString(cb["MerchantRequestID"]) || !isString(cb["ResultDesc"]) {
				t.Errorf("ids/desc wrong: %v", cb)
			}
			meta, hasMeta := cb["CallbackMetadata"].(map[string]any)
			if tc.wantCode != 0 {
				if _, present := cb["CallbackMetadata"]; present {
					t.Errorf("a failure carries CallbackMetadata: %v", cb)
				}
			} else {
				if !hasMeta {
					t.Fatalf("success without CallbackMetadata: %v", cb)
				}
				assertSTKMetadata(t, meta)
			}
			if got := h.balanceOf("254708374149"); got != tc.wantAfter {
				t.Errorf("balance = %s, want %s", got, tc.wantAfter)
			}
		})
	}
}

// assertSTKMetadata checks the items' JSON types: Amount, TransactionDate and PhoneNumber
// are numbers, the receipt a string, and Balance has no Value at all.
func assertSTKMetadata(t *testing.T, meta map[string]any) {
	t.Helper()
	items := map[string]map[string]any{}
	var order []string
	for _, it := range meta["Item"].([]any) {
		m := it.(map[string]any)
		items[m["Name"].(string)] = m
		order = append(order, m["Name"].(string))
	}
	if got := strings.Join(order, ","); got != "Amount,MpesaReceiptNumber,Balance,TransactionDate,PhoneNumber" {
		t.Errorf("items = %s", got)
	}
	if v := items["Amount"]["Value"]; !isNumber(v) || v.(float64) != 100 {
		t.Errorf("Amount = %#v, want the number 100", v)
	}
	if v, ok := items["MpesaReceiptNumber"]["Value"].(string); !ok || !receiptRE.MatchString(v) {
		t.Errorf("MpesaReceiptNumber = %#v", items["MpesaReceiptNumber"]["Value"])
	}
	if _, has := items["Balance"]["Value"]; has {
		t.Errorf("Balance has a Value: %v", items["Balance"])
	}
	if v := items["TransactionDate"]["Value"]; !isNumber(v) || v.(float64) < 20200101000000 || v.(float64) > 21000101000000 {
		t.Errorf("TransactionDate = %#v, want a YYYYMMDDHHmmss number", v)
	}
	if v := items["PhoneNumber"]["Value"]; !isNumber(v) || v.(float64) != 254708374149 {
		t.Errorf("PhoneNumber = %#v, want the number 254708374149", v)
	}
}

func TestSTKManualRespondAndQuery(t *testing.T) {
	h := newHarness(t)
	h.customer("254708374149", "1000.00", "manual")
	checkout := h.push("254708374149", 10) // Amount as a JSON number is accepted too

	status, m := h.stkQuery(checkout)
	if status != http.StatusInternalServerError {
		t.Fatalf("pending query: status %d, want 500: %v", status, m)
	}
	assertDarajaError(t, m, "500.001.1001")
	if m["errorMessage"] != "The transaction is being processed" {
		t.Errorf("errorMessage = %v", m["errorMessage"])
	}
	h.hooks.none(t, "/hooks/daraja/stk", 100*time.Millisecond)

	h.control(http.MethodPost, "/simulator/stk/"+checkout+"/respond", map[string]any{"outcome": "cancel"}, http.StatusOK)
	cb := stkCallbackOf(t, h.hooks.next(t, "/hooks/daraja/stk"))
	if cb["ResultCode"] != float64(1032) {
		t.Errorf("callback ResultCode = %#v, want 1032", cb["ResultCode"])
	}
	status, m = h.stkQuery(checkout)
	if status != http.StatusOK || m["ResultCode"] != "1032" || m["ResponseCode"] != "0" || m["CheckoutRequestID"] != checkout {
		t.Errorf("done query: %d %#v (ResultCode must be the string \"1032\")", status, m)
	}
	h.control(http.MethodPost, "/simulator/stk/"+checkout+"/respond", map[string]any{"outcome": "accept"}, http.StatusConflict)
	h.control(http.MethodPost, "/simulator/stk/ws_CO_nope/respond", map[string]any{"outcome": "accept"}, http.StatusNotFound)
	h.control(http.MethodPost, "/simulator/stk/"+checkout+"/respond", map[string]any{"outcome": "manual"}, http.StatusBadRequest)

	// A successful query answers ResultCode "0" as a string.
	checkout = h.push("254708374149", "10")
	h.control(http.MethodPost, "/simulator/stk/"+checkout+"/respond", map[string]any{"outcome": "accept"}, http.StatusOK)
	h.hooks.next(t, "/hooks/daraja/stk")
	if _, m = h.stkQuery(checkout); m["ResultCode"] != "0" {
		t.Errorf("ResultCode = %#v, want \"0\"", m["ResultCode"])
	}
}

func TestSTKRefusals(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		mutate  func(map[string]any)
		wantMsg string
	}{
		{"bad password", func(b map[string]any) { b["Password"] = "d3Jvbmc=" }, "Bad Request - Invalid Password"},
		{"not our shortcode", func(b map[string]any) { b["BusinessShortCode"] = 600000 }, "Bad Request - Invalid BusinessShortCode"},
		{"not our PartyB", func(b map[string]any) { b["PartyB"] = "600000" }, "Bad Request - Invalid PartyB"},
		{"AccountReference of 13", func(b map[string]any) { b["AccountReference"] = "ABCDEFGHIJKLM" }, "Bad Request - Invalid AccountReference"},
		{"TransactionDesc of 14", func(b map[string]any) { b["TransactionDesc"] = "ABCDEFGHIJKLMN" }, "Bad Request - Invalid TransactionDesc"},
		{"amount 0", func(b map[string]any) { b["Amount"] = "0" }, "Bad Request - Invalid Amount"},
		{"amount 250001", func(b map[string]any) { b["Amount"] = "250001" }, "Bad Request - Invalid Amount"},
		{"amount with cents", func(b map[string]any) { b["Amount"] = "1.50" }, "Bad Request - Invalid Amount"},
		{"bad phone", func(b map[string]any) { b["PhoneNumber"] = "0708374149" }, "Bad Request - Invalid PhoneNumber"},
		{"bad type", func(b map[string]any) { b["TransactionType"] = "Pay" }, "Bad Request - Invalid TransactionType"},
		{"bad callback", func(b map[string]any) { b["CallBackURL"] = "not a url" }, "Bad Request - Invalid CallBackURL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := h.stkBody("254708374149", "1")
			tc.mutate(body)
			status, m := h.daraja("/mpesa/stkpush/v1/processrequest", body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %v", status, m)
			}
			assertDarajaError(t, m, "400.002.02")
			if m["errorMessage"] != tc.wantMsg {
				t.Errorf("errorMessage = %v, want %s", m["errorMessage"], tc.wantMsg)
			}
		})
	}
	// The boundaries themselves are accepted.
	for _, amount := range []string{"1", "250000"} {
		body := h.stkBody("254708374149", amount)
		body["AccountReference"], body["TransactionDesc"] = "ABCDEFGHIJKL", "ABCDEFGHIJKLM"
		if status, m := h.daraja("/mpesa/stkpush/v1/processrequest", body); status != http.StatusOK {
			t.Errorf("amount %s at the limits refused: %d %v", amount, status, m)
		}
	}
	if status, raw := h.doRaw(http.MethodPost, "/mpesa/stkpush/v1/processrequest", nil,
		map[string]string{"Authorization": "Bearer " + h.token}); status != http.StatusBadRequest {
		t.Errorf("empty body: %d %s", status, raw)
	}
}
