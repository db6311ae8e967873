package mpesa_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/mpesa"
)

const b2cPath = "/mpesa/b2c/v3/paymentrequest"

func validB2C() mpesa.B2C {
	return mpesa.B2C{
		OriginatorConversationID: "600997_Test_32et3241ed8yu",
		Phone:                    "254705912645",
		Amount:                   decimal.NewFromInt(10),
		Remarks:                  "remarked",
		Occasion:                 "loan",
		ResultURL:                "https://kikundi.example/hooks/b2c/result",
		QueueTimeOutURL:          "https://kikundi.example/hooks/b2c/timeout",
	}
}

func duplicate(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusInternalServerError, `{"requestId":"…","errorCode":"500.002.1001","errorMessage":"Duplicate OriginatorConversationID."}`)
}

func TestB2CSendsDarajasBody(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(b2cPath, serveFile(http.StatusOK, "b2c_response.json"))
	c := newClient(t, f, func(c *mpesa.Config) { c.Shortcode = "600992" })

	got, err := c.B2C(t.Context(), validB2C())
	if err != nil {
		t.Fatal(err)
	}
	want := mpesa.Accepted{
		OriginatorConversationID: "…",
		ConversationID:           "AG_20240706_…",
		ResponseCode:             "0",
		ResponseDescription:      "Accept the service request successfully.",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Accepted (-want +got):\n%s", d)
	}

	body := f.lastBody(t, b2cPath)
	sample := sameFieldsAs(t, body, "b2c_request.json")
	for k, v := range sample {
		switch k {
		case "SecurityCredential", "QueueTimeOutURL", "ResultURL":
			continue // placeholders in daraja.md
		case "InitiatorName":
			v = testInitiator
		}
		if body[k] != v {
			t.Errorf("%s = %#v, daraja.md has %#v", k, body[k], v)
		}
	}
	if body["Occassion"] != "loan" {
		t.Errorf(`"Occassion" (sic) = %#v`, body["Occassion"])
	}
	if got := decryptCredential(t, body["SecurityCredential"].(string)); got != testPassword {
		t.Errorf("SecurityCredential decrypts to %q, want the initiator password", got)
	}
}

func TestB2CCommandIDs(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(b2cPath, serveFile(http.StatusOK, "b2c_response.json"))
	c := newClient(t, f)
	p := validB2C()
	p.CommandID = mpesa.SalaryPayment
	if _, err := c.B2C(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if got := f.lastBody(t, b2cPath)["CommandID"]; got != "SalaryPayment" {
		t.Errorf("CommandID = %v", got)
	}
}

func TestB2CDuplicateOriginator(t *testing.T) {
	t.Run("answered at once", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.handle(b2cPath, duplicate)
		c := newClient(t, f)
		if _, err := c.B2C(t.Context(), validB2C()); !errors.Is(err, mpesa.ErrDuplicateOriginator) {
			t.Errorf("err = %v, want ErrDuplicateOriginator", err)
		}
		f.wantCalls(t, b2cPath, 1) // a duplicate is an answer, not a failure to retry
	})
	t.Run("after a lost answer", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.handle(b2cPath, sequence(hangUp, duplicate))
		c := newClient(t, f)
		if _, err := c.B2C(t.Context(), validB2C()); !errors.Is(err, mpesa.ErrDuplicateOriginator) {
			t.Errorf("err = %v, want ErrDuplicateOriginator", err)
		}
		calls := f.calls(b2cPath)
		if len(calls) != 2 {
			t.Fatalf("%d requests, want 2", len(calls))
		}
		first, second := decodeObject(t, calls[0].Body), decodeObject(t, calls[1].Body)
		if first["OriginatorConversationID"] != second["OriginatorConversationID"] {
			t.Error("the retry changed the OriginatorConversationID")
		}
	})
	t.Run("503 then accepted", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.handle(b2cPath, sequence(unavailable, serveFile(http.StatusOK, "b2c_response.json")))
		c := newClient(t, f)
		if _, err := c.B2C(t.Context(), validB2C()); err != nil {
			t.Fatal(err)
		}
		f.wantCalls(t, b2cPath, 2)
	})
}

func TestB2CRefusesBeforeSending(t *testing.T) {
	tests := []struct {
		name   string
		change func(*mpesa.B2C)
		want   error
	}{
		{"below minimum", func(p *mpesa.B2C) { p.Amount = decimal.NewFromInt(9) }, mpesa.ErrInvalidAmount},
		{"above maximum", func(p *mpesa.B2C) { p.Amount = decimal.NewFromInt(250001) }, mpesa.ErrInvalidAmount},
		{"fraction", func(p *mpesa.B2C) { p.Amount = decimal.RequireFromString("10.01") }, mpesa.ErrInvalidAmount},
		{"no originator id", func(p *mpesa.B2C) { p.OriginatorConversationID = "" }, mpesa.ErrInvalidRequest},
		{"remarks of 1", func(p *mpesa.B2C) { p.Remarks = "x" }, mpesa.ErrInvalidRequest},
		{"remarks of 101", func(p *mpesa.B2C) { p.Remarks = strings.Repeat("x", 101) }, mpesa.ErrInvalidRequest},
		{"command", func(p *mpesa.B2C) { p.CommandID = "TransactionReversal" }, mpesa.ErrInvalidRequest},
		{"no result URL", func(p *mpesa.B2C) { p.ResultURL = "" }, mpesa.ErrInvalidRequest},
		{"bad phone", func(p *mpesa.B2C) { p.Phone = "07123" }, mpesa.ErrInvalidRequest},
	}
	f := newFakeDaraja(t)
	c := newClient(t, f)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validB2C()
			tt.change(&p)
			if _, err := c.B2C(t.Context(), p); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	f.wantCalls(t, b2cPath, 0)
}

func TestCredentialCallsWithoutCertificate(t *testing.T) {
	f := newFakeDaraja(t)
	c := newClient(t, f, func(c *mpesa.Config) { c.CertPEM = nil; c.Initiator = ""; c.InitiatorPassword = "" })
	urls := []string{"https://kikundi.example/r", "https://kikundi.example/t"}
	calls := map[string]func() error{
		"b2c": func() error { _, err := c.B2C(t.Context(), validB2C()); return err },
		"status": func() error {
			_, err := c.TransactionStatus(t.Context(), mpesa.StatusQuery{TransactionID: "SG632NMUAB", ResultURL: urls[0], QueueTimeOutURL: urls[1]})
			return err
		},
		"balance": func() error { _, err := c.AccountBalance(t.Context(), urls[0], urls[1]); return err },
		"reversal": func() error {
			_, err := c.Reversal(t.Context(), mpesa.Reversal{TransactionID: "RKL51ZDR4F", Amount: decimal.NewFromInt(5), ResultURL: urls[0], QueueTimeOutURL: urls[1], Remarks: "wrong account"})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, mpesa.ErrNoCertificate) {
			t.Errorf("%s: err = %v, want ErrNoCertificate", name, err)
		}
	}
	if n := f.tokenRequests(); n != 0 {
		t.Errorf("%d token requests; nothing should have been sent", n)
	}
}
