package sim

import (
	"net/http"
	"strings"
	"testing"
)

func (h *harness) reverse(receipt, amount string) {
	h.t.Helper()
	status, m := h.daraja("/mpesa/reversal/v1/request", map[string]any{
		"Initiator": "sim-initiator", "SecurityCredential": h.credential("sim-initiator-password"),
		"CommandID": "TransactionReversal", "TransactionID": receipt, "Amount": amount,
		"ReceiverParty": "174379", "RecieverIdentifierType": "11",
		"ResultURL": h.hooks.url("/hooks/daraja/reversal/result"), "QueueTimeOutURL": h.hooks.url("/hooks/daraja/reversal/timeout"),
		"Remarks": "refund", "Occasion": "",
	})
	if status != http.StatusOK || m["ResponseCode"] != "0" {
		h.t.Fatalf("reversal: %d %v", status, m)
	}
}

func TestReversal(t *testing.T) {
	h := newHarness(t)
	h.push("254708374149", "100")
	receipt := stkReceiptOf(t, h.hooks.next(t, "/hooks/daraja/stk"))

	h.reverse(receipt, "100")
	res := resultOf(t, h.hooks.next(t, "/hooks/daraja/reversal/result"))
	if res["ResultCode"] != float64(0) {
		t.Fatalf("reversal: %v", res)
	}
	if p := resultParams(t, res); p["OriginalTransactionID"] != receipt || p["Amount"] != float64(100) {
		t.Errorf("params: %v", p)
	}
	if got := h.balanceOf("254708374149"); got != "100000.00" {
		t.Errorf("balance after reversal = %s", got)
	}

	// A second reversal of the same receipt fails with a string ResultCode.
	h.reverse(receipt, "100")
	res = resultOf(t, h.hooks.next(t, "/hooks/daraja/reversal/result"))
	if res["ResultCode"] != "R000002" {
		t.Errorf("ResultCode = %#v, want the string \"R000002\"", res["ResultCode"])
	}
	h.statusQuery(receipt, "")
	if p := resultParams(t, resultOf(t, h.hooks.next(t, "/hooks/daraja/status/result"))); p["TransactionStatus"] != "Reversed" {
		t.Errorf("status of a reversed receipt: %v", p)
	}
}

func TestAccountBalance(t *testing.T) {
	h := newHarness(t)
	h.push("254708374149", "700")
	h.hooks.next(t, "/hooks/daraja/stk")
	for _, cred := range []string{"sim-initiator-password", "wrong"} {
		status, m := h.daraja("/mpesa/accountbalance/v1/query", map[string]any{
			"Initiator": "sim-initiator", "SecurityCredential": h.credential(cred), "CommandID": "AccountBalance",
			"PartyA": 174379, "IdentifierType": "4", "Remarks": "bal",
			"QueueTimeOutURL": h.hooks.url("/hooks/daraja/balance/timeout"), "ResultURL": h.hooks.url("/hooks/daraja/balance/result"),
		})
		if status != http.StatusOK {
			t.Fatalf("balance query: %d %v", status, m)
		}
		got := h.hooks.next(t, "/hooks/daraja/balance/result")
		res := resultOf(t, got)
		if cred == "wrong" {
			if res["ResultCode"] != float64(2001) {
				t.Errorf("wrong credential: %v", res)
			}
			continue
		}
		want := "Working Account|KES|700.00|700.00|0.00|0.00&Utility Account|KES|10000000.00|10000000.00|0.00|0.00&Charges Paid Account|KES|0.00|0.00|0.00|0.00"
		if p := resultParams(t, res); p["AccountBalance"] != want || !isNumber(p["BOCompletedTime"]) {
			t.Errorf("params: %v", p)
		}
		if !strings.Contains(string(got.raw), "|0.00&Utility") { // '&' as Daraja writes it, not \u0026
			t.Errorf("raw body escapes '&': %s", got.raw)
		}
	}
}
