package mpesa_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/mpesa"
)

const (
	statusPath   = "/mpesa/transactionstatus/v1/query"
	balancePath  = "/mpesa/accountbalance/v1/query"
	reversalPath = "/mpesa/reversal/v1/request"
)

// The bodies of the calls that answer through a Result, field by field as daraja.md
// names them, misspellings included.

func TestTransactionStatusBody(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(statusPath, sequence(unavailable, serveFile(http.StatusOK, "b2c_response.json")))
	c := newClient(t, f)
	got, err := c.TransactionStatus(t.Context(), mpesa.StatusQuery{
		OriginatorConversationID: "600997_Test_32et3241ed8yu",
		ResultURL:                "https://kikundi.example/hooks/status/result",
		QueueTimeOutURL:          "https://kikundi.example/hooks/status/timeout",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ConversationID != "AG_20240706_…" {
		t.Errorf("Accepted = %+v", got)
	}
	f.wantCalls(t, statusPath, 2)
	body := f.lastBody(t, statusPath)
	want := map[string]any{
		"Initiator":              testInitiator,
		"CommandID":              "TransactionStatusQuery",
		"OriginalConversationID": "600997_Test_32et3241ed8yu",
		"PartyA":                 testShortcode,
		"IdentifierType":         "4",
		"ResultURL":              "https://kikundi.example/hooks/status/result",
		"QueueTimeOutURL":        "https://kikundi.example/hooks/status/timeout",
		"Remarks":                "Transaction status",
		"Occasion":               "",
	}
	checkBody(t, body, want)

	_, err = c.TransactionStatus(t.Context(), mpesa.StatusQuery{ResultURL: "https://a.example/r", QueueTimeOutURL: "https://a.example/t"})
	if !errors.Is(err, mpesa.ErrInvalidRequest) {
		t.Errorf("without any id: %v", err)
	}
}

func TestAccountBalanceBody(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(balancePath, serveFile(http.StatusOK, "b2c_response.json"))
	c := newClient(t, f)
	if _, err := c.AccountBalance(t.Context(), "https://kikundi.example/r", "https://kikundi.example/t"); err != nil {
		t.Fatal(err)
	}
	checkBody(t, f.lastBody(t, balancePath), map[string]any{
		"Initiator":       testInitiator,
		"CommandID":       "AccountBalance",
		"PartyA":          testShortcode,
		"IdentifierType":  "4",
		"Remarks":         "Account balance",
		"ResultURL":       "https://kikundi.example/r",
		"QueueTimeOutURL": "https://kikundi.example/t",
	})
}

func TestReversalBody(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(reversalPath, unavailable)
	c := newClient(t, f)
	r := mpesa.Reversal{
		TransactionID:   "RKL51ZDR4F",
		Amount:          decimal.RequireFromString("5.00"),
		ResultURL:       "https://kikundi.example/r",
		QueueTimeOutURL: "https://kikundi.example/t",
		Remarks:         "paid to the wrong paybill",
	}
	if _, err := c.Reversal(t.Context(), r); err == nil {
		t.Fatal("no error from a 503")
	}
	f.wantCalls(t, reversalPath, 1) // no id of ours makes a second try safe
	checkBody(t, f.lastBody(t, reversalPath), map[string]any{
		"Initiator":              testInitiator,
		"CommandID":              "TransactionReversal",
		"TransactionID":          "RKL51ZDR4F",
		"Amount":                 "5",
		"ReceiverParty":          testShortcode,
		"RecieverIdentifierType": "11",
		"ResultURL":              "https://kikundi.example/r",
		"QueueTimeOutURL":        "https://kikundi.example/t",
		"Remarks":                "paid to the wrong paybill",
	})
}

// checkBody compares every field but SecurityCredential, which it decrypts.
func checkBody(t *testing.T, body, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %#v, want %#v", k, body[k], v)
		}
	}
	cred, _ := body["SecurityCredential"].(string)
	if got := decryptCredential(t, cred); got != testPassword {
		t.Errorf("SecurityCredential decrypts to %q", got)
	}
	if len(body) != len(want)+1 {
		t.Errorf("body has %d fields, want %d: %v", len(body), len(want)+1, body)
	}
}
