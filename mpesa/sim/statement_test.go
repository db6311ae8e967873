package sim

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// statementRows fetches the statement and returns its rows without the header, having
// checked the header.
func statementRows(t *testing.T, h *harness) [][]string {
	t.Helper()
	status, raw := h.doRaw(http.MethodGet, "/simulator/statement.csv", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("statement: %d", status)
	}
	if first, _, _ := strings.Cut(string(raw), "\n"); first != "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance" {
		t.Fatalf("header = %q", first)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("statement is not CSV: %v", err)
	}
	return rows[1:]
}

func TestStatementRunningBalance(t *testing.T) {
	h := newHarness(t)
	h.registerC2B("Completed")

	h.push("254708374149", "100")
	stkReceipt := stkReceiptOf(t, h.hooks.next(t, "/hooks/daraja/stk"))
	c2b := h.pay("254711000000", "500", "GRP12, July") // a comma, to exercise CSV quoting
	h.hooks.next(t, "/hooks/daraja/c2b/confirmation")
	h.daraja("/mpesa/b2c/v3/paymentrequest", h.b2cBody("payout-1", "254722000000", "200"))
	b2cReceipt := resultParams(t, resultOf(t, h.hooks.next(t, "/hooks/daraja/b2c/result")))["TransactionReceipt"]
	h.reverse(stkReceipt, "100")
	reversal := resultOf(t, h.hooks.next(t, "/hooks/daraja/reversal/result"))

	rows := statementRows(t, h)
	type row struct{ Receipt, Details, Status, PaidIn, Withdrawn, Balance string }
	var got []row
	for _, r := range rows {
		if _, err := time.Parse("2006-01-02 15:04:05", r[1]); err != nil {
			t.Errorf("Completion Time %q: %v", r[1], err)
		}
		got = append(got, row{r[0], r[2], r[3], r[4], r[5], r[6]})
	}
	want := []row{
		{stkReceipt, "Pay Bill Online from 254708374149 - JOHN DOE Acc. GRP12", "Completed", "100.00", "", "10000100.00"},
		{c2b["trans_id"].(string), "Pay Bill from 254711000000 - JOHN DOE Acc. GRP12, July", "Completed", "500.00", "", "10000600.00"},
		{b2cReceipt.(string), "Business Payment to 254722000000 - JOHN DOE", "Completed", "", "200.00", "10000400.00"},
		{reversal["TransactionID"].(string), "Reversal of " + stkReceipt + " to 254708374149 - JOHN DOE", "Completed", "", "100.00", "10000300.00"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statement (-want +got):\n%s", diff)
	}
}

func stkReceiptOf(t *testing.T, h hit) string {
	t.Helper()
	for _, it := range stkCallbackOf(t, h)["CallbackMetadata"].(map[string]any)["Item"].([]any) {
		if m := it.(map[string]any); m["Name"] == "MpesaReceiptNumber" {
			return m["Value"].(string)
		}
	}
	t.Fatalf("no receipt in %s", h.raw)
	return ""
}

// Two simulators with the same seed, fed the same script, issue the same receipts.
func TestDeterministicReceipts(t *testing.T) {
	clock := func(*Options) {}
	fixed := time.Date(2024, 7, 6, 22, 48, 52, 0, nairobi)
	clock = func(o *Options) { o.Now = func() time.Time { return fixed } }
	script := func(seed int64) []string {
		h := newHarness(t, clock, func(o *Options) { o.Seed = seed })
		h.registerC2B("Completed")
		h.customer("254711111111", "1000.00", "cancel")
		var receipts []string
		for _, phone := range []string{"254708374149", "254711111111", "254722000000"} {
			h.push(phone, "50")
			if cb := h.hooks.next(t, "/hooks/daraja/stk"); stkCallbackOf(t, cb)["ResultCode"] == float64(0) {
				receipts = append(receipts, stkReceiptOf(t, cb))
			}
		}
		receipts = append(receipts, h.pay("254733000000", "75", "GRP1")["trans_id"].(string))
		h.daraja("/mpesa/b2c/v3/paymentrequest", h.b2cBody("p-1", "254708374149", "20"))
		receipts = append(receipts, resultOf(t, h.hooks.next(t, "/hooks/daraja/b2c/result"))["TransactionID"].(string))
		return receipts
	}
	a, b, c := script(7), script(7), script(8)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different receipts (-a +b):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Errorf("different seeds gave the same receipts %v", a)
	}
	for _, r := range a {
		if !strings.HasPrefix(r, "SG6") { // 6 July 2024
			t.Errorf("receipt %s does not encode its date as SG6", r)
		}
	}
}

func TestReceiptPrefix(t *testing.T) {
	for _, tc := range []struct {
		date time.Time
		want string
	}{
		{time.Date(2019, 12, 19, 10, 21, 15, 0, nairobi), "NLJ"}, // NLJ7RT61SV
		{time.Date(2024, 7, 6, 22, 48, 52, 0, nairobi), "SG6"},   // SG632NMUAB
		{time.Date(2023, 11, 21, 12, 13, 25, 0, nairobi), "RKL"}, // RKL51ZDR4F
		{time.Date(2025, 1, 31, 0, 0, 0, 0, nairobi), "TAV"},
	} {
		if got := receiptPrefix(tc.date); got != tc.want {
			t.Errorf("receiptPrefix(%s) = %s, want %s", tc.date.Format(time.DateOnly), got, tc.want)
		}
	}
}
