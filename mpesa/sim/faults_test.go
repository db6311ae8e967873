package sim

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

func TestFaultDrop(t *testing.T) {
	h := newHarness(t)
	h.setFaults(map[string]any{"drop_callbacks": 1.0})
	checkout := h.push("254708374149", "100")
	h.hooks.none(t, "/hooks/daraja/stk", 300*time.Millisecond)
	// The payment happened all the same: the query knows.
	if status, m := h.stkQuery(checkout); status != http.StatusOK || m["ResultCode"] != "0" {
		t.Errorf("query after a dropped callback: %d %v", status, m)
	}
}

func TestFaultDuplicate(t *testing.T) {
	h := newHarness(t)
	h.setFaults(map[string]any{"duplicate_callbacks": 1.0})
	h.push("254708374149", "100")
	first := h.hooks.next(t, "/hooks/daraja/stk")
	second := h.hooks.next(t, "/hooks/daraja/stk")
	if !bytes.Equal(first.raw, second.raw) {
		t.Errorf("duplicate differs:\n%s\n%s", first.raw, second.raw)
	}
	h.hooks.none(t, "/hooks/daraja/stk", 100*time.Millisecond)
	if got := h.balanceOf("254708374149"); got != "99900.00" {
		t.Errorf("a duplicate callback moved money twice: %s", got)
	}
}

func TestFaultDelay(t *testing.T) {
	h := newHarness(t)
	h.setFaults(map[string]any{"delay_ms": 300})
	start := time.Now()
	h.push("254708374149", "100")
	got := h.hooks.next(t, "/hooks/daraja/stk")
	if d := got.at.Sub(start); d < 300*time.Millisecond {
		t.Errorf("callback after %s, want at least 300ms", d)
	}
}

func TestFaultCallbackBeforeReply(t *testing.T) {
	h := newHarness(t)
	h.setFaults(map[string]any{"callback_before_reply": true})
	checkout := h.push("254708374149", "100")
	select {
	case got := <-h.hooks.ch("/hooks/daraja/stk"):
		if cb := stkCallbackOf(t, got); cb["CheckoutRequestID"] != checkout {
			t.Errorf("callback for %v, want %s", cb["CheckoutRequestID"], checkout)
		}
	default:
		t.Fatal("the push replied before its callback was delivered")
	}
}

func TestFaultReorder(t *testing.T) {
	h := newHarness(t)
	h.setFaults(map[string]any{"reorder": true})
	h.customer("254711111111", "1000.00", "manual")
	h.customer("254722222222", "1000.00", "manual")
	a := h.push("254711111111", "10")
	b := h.push("254722222222", "10")
	h.control(http.MethodPost, "/simulator/stk/"+a+"/respond", map[string]any{"outcome": "accept"}, http.StatusOK)
	h.control(http.MethodPost, "/simulator/stk/"+b+"/respond", map[string]any{"outcome": "accept"}, http.StatusOK)
	first := stkCallbackOf(t, h.hooks.next(t, "/hooks/daraja/stk"))["CheckoutRequestID"]
	second := stkCallbackOf(t, h.hooks.next(t, "/hooks/daraja/stk"))["CheckoutRequestID"]
	if first != b || second != a {
		t.Errorf("callbacks arrived %v then %v, want %s then %s", first, second, b, a)
	}
}

func TestFaultsValidation(t *testing.T) {
	h := newHarness(t)
	for name, body := range map[string]map[string]any{
		"probability above 1": {"drop_callbacks": 1.5},
		"negative delay":      {"delay_ms": -1},
		"misspelt field":      {"drop_callback": 0.5},
	} {
		if status, m := h.do(http.MethodPut, "/simulator/faults", body, nil); status != http.StatusBadRequest {
			t.Errorf("%s: status %d: %v", name, status, m)
		}
	}
	h.setFaults(map[string]any{"drop_callbacks": 0.25, "reorder": true})
	got := h.control(http.MethodGet, "/simulator/faults", nil, http.StatusOK)
	if got["drop_callbacks"] != 0.25 || got["reorder"] != true || got["delay_ms"] != float64(0) {
		t.Errorf("faults = %v", got)
	}
}

func TestControlCustomerValidation(t *testing.T) {
	h := newHarness(t)
	for name, tc := range map[string]struct {
		msisdn string
		body   map[string]any
	}{
		"bad behaviour": {"254708374149", map[string]any{"behaviour": "maybe"}},
		"bad balance":   {"254708374149", map[string]any{"balance": "-1"}},
		"bad msisdn":    {"12345", map[string]any{"balance": "1.00"}},
	} {
		if status, m := h.do(http.MethodPut, "/simulator/customers/"+tc.msisdn, tc.body, nil); status != http.StatusBadRequest {
			t.Errorf("%s: status %d: %v", name, status, m)
		}
	}
	// 07… and +254… name the same wallet.
	h.customer("0708374149", "12.50", "cancel")
	if got := h.control(http.MethodGet, "/simulator/customers/+254708374149", nil, http.StatusOK); got["balance"] != "12.50" || got["behaviour"] != "cancel" {
		t.Errorf("customer = %v", got)
	}
}
