package sim

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestB2CSuccess(t *testing.T) {
	h := newHarness(t)
	status, ack := h.daraja("/mpesa/b2c/v3/paymentrequest", h.b2cBody("600997_Test_1", "254705912645", "10"))
	if status != http.StatusOK || ack["ResponseCode"] != "0" || ack["OriginatorConversationID"] != "600997_Test_1" ||
		ack["ResponseDescription"] != "Accept the service request successfully." {
		t.Fatalf("ack: %d %v", status, ack)
	}
	conv, _ := ack["ConversationID"].(string)
	if !regexp.MustCompile(`^AG_\d{8}_[0-9a-f]{20}$`).MatchString(conv) {
		t.Errorf("ConversationID = %q", conv)
	}

	res := resultOf(t, h.hooks.next(t, "/hooks/daraja/b2c/result"))
	if res["ResultType"] != float64(0) || res["ResultCode"] != float64(0) {
		t.Fatalf("ResultType/ResultCode = %#v/%#v, want the numbers 0/0", res["ResultType"], res["ResultCode"])
	}
	if res["ConversationID"] != conv || res["OriginatorConversationID"] != "600997_Test_1" {
		t.Errorf("ids: %v", res)
	}
	p := resultParams(t, res)
	if p["TransactionReceipt"] != res["TransactionID"] || !receiptRE.MatchString(p["TransactionReceipt"].(string)) {
		t.Errorf("receipt %v vs TransactionID %v", p["TransactionReceipt"], res["TransactionID"])
	}
	if p["TransactionAmount"] != float64(10) {
		t.Errorf("TransactionAmount = %#v, want the number 10", p["TransactionAmount"])
	}
	if p["B2CUtilityAccountAvailableFunds"] != float64(9999990) || !isNumber(p["B2CWorkingAccountAvailableFunds"]) ||
		!isNumber(p["B2CChargesPaidAccountAvailableFunds"]) {
		t.Errorf("funds: %v", p)
	}
	if p["ReceiverPartyPublicName"] != "254705912645 - JOHN DOE" || p["B2CRecipientIsRegisteredCustomer"] != "Y" {
		t.Errorf("recipient: %v", p)
	}
	if s, _ := p["TransactionCompletedDateTime"].(string); !regexp.MustCompile(`^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$`).MatchString(s) {
		t.Errorf("TransactionCompletedDateTime = %#v, want DD.MM.YYYY HH:mm:ss", p["TransactionCompletedDateTime"])
	}
	ref := res["ReferenceData"].(map[string]any)["ReferenceItem"].(map[string]any)
	if ref["Key"] != "QueueTimeoutURL" {
		t.Errorf("ReferenceItem = %v", ref)
	}
	if got := h.balanceOf("254705912645"); got != "100010.00" {
		t.Errorf("recipient balance = %s, want 100010.00", got)
	}

	// The OriginatorConversationID is the idempotency key.
	status, m := h.daraja("/mpesa/b2c/v3/paymentrequest", h.b2cBody("600997_Test_1", "254705912645", "10"))
	if status != http.StatusInternalServerError {
		t.Fatalf("duplicate: status %d, want 500: %v", status, m)
	}
	assertDarajaError(t, m, "500.002.1001")
	if m["errorMessage"] != "Duplicate OriginatorConversationID." {
		t.Errorf("errorMessage = %v", m["errorMessage"])
	}
	h.hooks.none(t, "/hooks/daraja/b2c/result", 100*time.Millisecond)
	if got := h.balanceOf("254705912645"); got != "100010.00" {
		t.Errorf("duplicate paid again: balance %s", got)
	}
}

func TestB2CFailures(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name     string
		mutate   func(map[string]any)
		wantCode float64
	}{
		{"wrong password", func(b map[string]any) { b["SecurityCredential"] = h.credential("guess") }, 2001},
		{"garbage credential", func(b map[string]any) { b["SecurityCredential"] = "bm90IHJzYQ==" }, 2001},
		{"wrong initiator", func(b map[string]any) { b["InitiatorName"] = "testapi" }, 2001},
		{"below minimum", func(b map[string]any) { b["Amount"] = "9" }, 2},
		{"above maximum", func(b map[string]any) { b["Amount"] = "250001" }, 3},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := h.b2cBody("fail-"+string(rune('a'+i)), "254711000000", "100")
			tc.mutate(body)
			if status, m := h.daraja("/mpesa/b2c/v3/paymentrequest", body); status != http.StatusOK {
				t.Fatalf("ack: %d %v", status, m)
			}
			res := resultOf(t, h.hooks.next(t, "/hooks/daraja/b2c/result"))
			if res["ResultCode"] != tc.wantCode {
				t.Errorf("ResultCode = %#v, want the number %v", res["ResultCode"], tc.wantCode)
			}
			if _, has := res["ResultParameters"]; has {
				t.Errorf("a failure carries ResultParameters: %v", res)
			}
		})
	}
	if got := h.balanceOf("254711000000"); got != "100000.00" {
		t.Errorf("failed payouts moved money: %s", got)
	}
	for name, mutate := range map[string]func(map[string]any){
		"remarks of 1":      func(b map[string]any) { b["Remarks"] = "x" },
		"remarks of 101":    func(b map[string]any) { b["Remarks"] = strings.Repeat("x", 101) },
		"no originator id":  func(b map[string]any) { delete(b, "OriginatorConversationID") },
		"bad command":       func(b map[string]any) { b["CommandID"] = "Payment" },
		"not our shortcode": func(b map[string]any) { b["PartyA"] = "600992" },
		"fractional amount": func(b map[string]any) { b["Amount"] = "10.5" },
		"no queue time-out": func(b map[string]any) { delete(b, "QueueTimeOutURL") },
	} {
		body := h.b2cBody("refused-"+name, "254711000000", "100")
		mutate(body)
		status, m := h.daraja("/mpesa/b2c/v3/paymentrequest", body)
		if status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %v", name, status, m)
			continue
		}
		assertDarajaError(t, m, "400.002.02")
	}
}

// A queue time-out reports nothing about the payment; Transaction Status tells the truth.
func TestB2CQueueTimeoutThenStatus(t *testing.T) {
	h := newHarness(t)
	h.setFaults(map[string]any{"b2c_queue_timeout": 1.0})
	_, ack := h.daraja("/mpesa/b2c/v3/paymentrequest", h.b2cBody("payout-1", "254705912645", "1500"))

	timeout := resultOf(t, h.hooks.next(t, "/hooks/daraja/b2c/timeout"))
	if timeout["OriginatorConversationID"] != "payout-1" || timeout["ConversationID"] != ack["ConversationID"] {
		t.Errorf("time-out ids: %v", timeout)
	}
	if _, has := timeout["ResultParameters"]; has {
		t.Errorf("a time-out reveals the outcome: %v", timeout)
	}
	h.hooks.none(t, "/hooks/daraja/b2c/result", 100*time.Millisecond)

	h.statusQuery("", "payout-1")
	res := resultOf(t, h.hooks.next(t, "/hooks/daraja/status/result"))
	if res["ResultCode"] != float64(0) {
		t.Fatalf("status ResultCode = %#v: %v", res["ResultCode"], res)
	}
	p := resultParams(t, res)
	if p["TransactionStatus"] != "Completed" || p["Amount"] != float64(1500) || p["ConversationID"] != ack["ConversationID"] {
		t.Errorf("status params: %v", p)
	}
	receipt, _ := p["ReceiptNo"].(string)
	if !receiptRE.MatchString(receipt) {
		t.Errorf("ReceiptNo = %#v", p["ReceiptNo"])
	}
	for _, k := range []string{"InitiatedTime", "FinalisedTime"} {
		if !isNumber(p[k]) {
			t.Errorf("%s = %#v, want a number", k, p[k])
		}
	}
	if p["DebitPartyName"] != "174379 - KIKUNDI" || p["CreditPartyName"] != "254705912645 - JOHN DOE" {
		t.Errorf("parties: %v / %v", p["DebitPartyName"], p["CreditPartyName"])
	}
	if got := h.balanceOf("254705912645"); got != "101500.00" {
		t.Errorf("the payment did not happen: balance %s", got)
	}

	// By receipt, the same answer; an unknown receipt says so.
	h.statusQuery(receipt, "")
	if p := resultParams(t, resultOf(t, h.hooks.next(t, "/hooks/daraja/status/result"))); p["ReceiptNo"] != receipt {
		t.Errorf("by receipt: %v", p)
	}
	h.statusQuery("SAA0000000", "")
	if res := resultOf(t, h.hooks.next(t, "/hooks/daraja/status/result")); res["ResultCode"] != float64(2032) {
		t.Errorf("unknown receipt: %v", res)
	}
}
