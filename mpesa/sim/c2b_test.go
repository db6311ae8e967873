package sim

import (
	"net/http"
	"testing"
	"time"
)

func (h *harness) registerC2B(responseType string) {
	h.t.Helper()
	status, m := h.daraja("/mpesa/c2b/v1/registerurl", map[string]any{
		"ShortCode": "174379", "ResponseType": responseType,
		"ConfirmationURL": h.hooks.url("/hooks/daraja/c2b/confirmation"),
		"ValidationURL":   h.hooks.url("/hooks/daraja/c2b/validation"),
	})
	if status != http.StatusOK || m["ResponseCode"] != "0" || m["ResponseDescription"] != "Success" {
		h.t.Fatalf("registerurl: %d %v", status, m)
	}
	if _, ok := m["OriginatorCoversationID"].(string); !ok { // misspelt, as Daraja spells it
		h.t.Errorf("registerurl reply lacks OriginatorCoversationID: %v", m)
	}
}

func (h *harness) pay(msisdn, amount, ref string) map[string]any {
	h.t.Helper()
	return h.control(http.MethodPost, "/simulator/c2b/pay", map[string]any{"msisdn": msisdn, "amount": amount, "bill_ref": ref}, http.StatusOK)
}

func TestC2BValidationAccepts(t *testing.T) {
	h := newHarness(t)
	h.registerC2B("Completed")
	h.control(http.MethodPut, "/simulator/customers/254708374126", map[string]any{"name": "Nicholas John Songok"}, http.StatusOK)

	res := h.pay("254708374126", "500", "GRP12")
	if res["status"] != "completed" || !receiptRE.MatchString(res["trans_id"].(string)) {
		t.Fatalf("pay: %v", res)
	}
	val := h.hooks.next(t, "/hooks/daraja/c2b/validation").body
	conf := h.hooks.next(t, "/hooks/daraja/c2b/confirmation").body
	for _, p := range []map[string]any{val, conf} {
		for k, v := range p {
			if !isString(v) {
				t.Errorf("%s = %#v, want a string", k, v)
			}
		}
		if p["TransID"] != res["trans_id"] || p["TransAmount"] != "500.00" || p["BillRefNumber"] != "GRP12" ||
			p["MSISDN"] != "2547 ***** 126" || p["BusinessShortCode"] != "174379" || p["TransactionType"] != "Pay Bill" ||
			p["FirstName"] != "NICHOLAS" || p["MiddleName"] != "JOHN" || p["LastName"] != "SONGOK" {
			t.Errorf("payload: %v", p)
		}
	}
	if conf["OrgAccountBalance"] != "500.00" {
		t.Errorf("OrgAccountBalance = %v, want the paybill's 500.00", conf["OrgAccountBalance"])
	}
	if got := h.balanceOf("254708374126"); got != "99500.00" {
		t.Errorf("balance = %s", got)
	}
}

func TestC2BValidationRejects(t *testing.T) {
	h := newHarness(t)
	h.registerC2B("Completed")
	h.hooks.answerValidation(func() (int, string, time.Duration) {
		return http.StatusOK, `{"ResultCode":"C2B00012","ResultDesc":"Rejected"}`, 0
	})
	res := h.pay("254708374126", "500", "WRONG")
	if res["status"] != "rejected" || res["result_code"] != "C2B00012" {
		t.Fatalf("pay: %v", res)
	}
	h.hooks.next(t, "/hooks/daraja/c2b/validation")
	h.hooks.none(t, "/hooks/daraja/c2b/confirmation", 150*time.Millisecond)
	if got := h.balanceOf("254708374126"); got != "100000.00" {
		t.Errorf("rejected payment moved money: %s", got)
	}
	if rows := statementRows(t, h); len(rows) != 0 {
		t.Errorf("rejected payment on the statement: %v", rows)
	}
}

// When validation does not answer in time, the registered ResponseType decides.
func TestC2BValidationTimeout(t *testing.T) {
	for responseType, want := range map[string]string{"Completed": "completed", "Cancelled": "cancelled"} {
		t.Run(responseType, func(t *testing.T) {
			h := newHarness(t) // ValidationTimeout is 200ms
			h.registerC2B(responseType)
			h.hooks.answerValidation(func() (int, string, time.Duration) {
				return http.StatusOK, `{"ResultCode":"0"}`, 2 * time.Second
			})
			start := time.Now()
			res := h.pay("254708374126", "300", "GRP12")
			if res["status"] != want {
				t.Fatalf("status = %v, want %s: %v", res["status"], want, res)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("waited %s for validation", took)
			}
			if want == "completed" {
				h.hooks.next(t, "/hooks/daraja/c2b/confirmation")
			} else {
				h.hooks.none(t, "/hooks/daraja/c2b/confirmation", 150*time.Millisecond)
			}
		})
	}
}

func TestC2BSimulateEndpoint(t *testing.T) {
	h := newHarness(t)
	h.registerC2B("Completed")
	status, m := h.daraja("/mpesa/c2b/v1/simulate", map[string]any{
		"ShortCode": 174379, "CommandID": "CustomerPayBillOnline", "Amount": 1, "Msisdn": 254708374149, "BillRefNumber": "GRP12",
	})
	if status != http.StatusOK || m["ResponseCode"] != "0" {
		t.Fatalf("simulate: %d %v", status, m)
	}
	conf := h.hooks.next(t, "/hooks/daraja/c2b/confirmation").body
	if conf["TransAmount"] != "1.00" || conf["BillRefNumber"] != "GRP12" {
		t.Errorf("confirmation: %v", conf)
	}
	status, m = h.daraja("/mpesa/c2b/v1/registerurl", map[string]any{
		"ShortCode": "174379", "ResponseType": "completed", "ConfirmationURL": h.hooks.url("/c"), "ValidationURL": h.hooks.url("/v"),
	})
	if status != http.StatusBadRequest {
		t.Errorf("ResponseType is case-sensitive on Daraja: %d %v", status, m)
	}
}
