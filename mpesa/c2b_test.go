package mpesa_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/mpesa"
)

const registerPath = "/mpesa/c2b/v1/registerurl"

func TestRegisterC2B(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(registerPath, serveFile(http.StatusOK, "c2b_register_response.json"))
	c := newClient(t, f, func(c *mpesa.Config) { c.Shortcode = "600984" })
	const confirm, validate = "https://kikundi.example/hooks/c2b/confirm", "https://kikundi.example/hooks/c2b/validate"

	for _, cancel := range []bool{false, true} {
		if err := c.RegisterC2B(t.Context(), confirm, validate, cancel); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"ShortCode": "600984", "ResponseType": "Completed", "ConfirmationURL": confirm, "ValidationURL": validate}
		if cancel {
			want["ResponseType"] = "Cancelled"
		}
		if d := cmp.Diff(want, f.lastBody(t, registerPath)); d != "" {
			t.Errorf("cancel=%v body (-want +got):\n%s", cancel, d)
		}
	}
	// Same field types as daraja.md's sample.
	sample := decodeObject(t, testdata(t, "c2b_register_request.json"))
	for k, v := range sample {
		if _, isString := v.(string); !isString || f.lastBody(t, registerPath)[k] == nil {
			t.Errorf("field %s: want a string like daraja.md", k)
		}
	}

	for _, bad := range []string{"https://kikundi.example/mpesa/confirm", "https://kikundi.example/c2b?query=1", "http://x.example/SQL", "not a url"} {
		if err := c.RegisterC2B(t.Context(), bad, validate, false); !errors.Is(err, mpesa.ErrInvalidRequest) {
			t.Errorf("%q: err = %v, want ErrInvalidRequest", bad, err)
		}
	}
	f.wantCalls(t, registerPath, 2)
}

func TestC2BAnswers(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		file string
	}{
		{"accept", mpesa.C2BAccept(), "c2b_accept.json"},
		{"reject", mpesa.C2BReject(mpesa.C2BInvalidAccount), "c2b_reject.json"},
		{"confirmation", mpesa.C2BConfirmationAck(), "c2b_confirmation_ack.json"},
	}
	for _, tt := range tests {
		if want := testdata(t, tt.file); string(tt.got) != string(want) {
			t.Errorf("%s = %s, daraja.md has %s", tt.name, tt.got, want)
		}
	}
	if got := string(mpesa.C2BReject("")); got != `{"ResultCode":"C2B00016","ResultDesc":"Rejected"}` {
		t.Errorf("C2BReject(\"\") = %s", got)
	}
}

func TestParseC2B(t *testing.T) {
	at := time.Date(2023, 11, 21, 12, 13, 25, 0, time.FixedZone("EAT", 3*3600))
	sample := mpesa.C2BPayment{
		TransactionType:   "Pay Bill",
		TransID:           "RKL51ZDR4F",
		TransTime:         at,
		Amount:            decimal.RequireFromString("5.00"),
		ShortCode:         "600966",
		BillRefNumber:     "GRP12",
		OrgAccountBalance: decimal.NewNullDecimal(decimal.RequireFromString("25.00")),
		MSISDN:            "2547 ***** 126",
		FirstName:         "NICHOLAS",
	}
	numbers := sample
	numbers.Amount = decimal.NewFromInt(5)
	numbers.ShortCode = "600984"
	numbers.MSISDN = "254708374149"
	numbers.OrgAccountBalance = decimal.NullDecimal{}
	numbers.TransactionType = "CustomerPayBillOnline"
	numbers.FirstName = ""

	tests := []parseCase[mpesa.C2BPayment]{
		{"daraja.md", string(testdata(t, "c2b_payment.json")), sample, false},
		{"numbers where strings were", `{"TransactionType":"CustomerPayBillOnline","TransID":"RKL51ZDR4F","TransTime":20231121121325,"TransAmount":5,
			"BusinessShortCode":600984,"BillRefNumber":"GRP12","OrgAccountBalance":"","MSISDN":254708374149}`, numbers, false},
		{"not JSON", `TransID=RKL51ZDR4F`, mpesa.C2BPayment{}, true},
		{"array", `[]`, mpesa.C2BPayment{}, true},
		{"no TransID", `{"TransTime":"20231121121325","TransAmount":"5.00"}`, mpesa.C2BPayment{}, true},
		{"zero amount", `{"TransID":"R","TransTime":"20231121121325","TransAmount":"0.00"}`, mpesa.C2BPayment{}, true},
		{"negative amount", `{"TransID":"R","TransTime":"20231121121325","TransAmount":-5}`, mpesa.C2BPayment{}, true},
		{"no amount", `{"TransID":"R","TransTime":"20231121121325"}`, mpesa.C2BPayment{}, true},
		{"amount object", `{"TransID":"R","TransTime":"20231121121325","TransAmount":{"v":5}}`, mpesa.C2BPayment{}, true},
		{"bad time", `{"TransID":"R","TransTime":"21.11.2023","TransAmount":"5"}`, mpesa.C2BPayment{}, true},
		{"no time", `{"TransID":"R","TransAmount":"5"}`, mpesa.C2BPayment{}, true},
	}
	runParseCases(t, mpesa.ParseC2B, tests)
}

func FuzzParseC2B(f *testing.F) {
	f.Add(testdata(f, "c2b_payment.json"))
	f.Add([]byte(`{"TransID":"R","TransTime":20231121121325,"TransAmount":1e3,"MSISDN":2.54708374149e11}`))
	f.Add([]byte(`{"TransID":"R","TransTime":"20231121121325","TransAmount":"1e-99999999"}`))
	f.Add([]byte(`{"TransID":null,"TransAmount":[1]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := mpesa.ParseC2B(body)
		if err != nil {
			if !errors.Is(err, mpesa.ErrMalformedCallback) {
				t.Fatalf("error %v does not wrap ErrMalformedCallback", err)
			}
			return
		}
		if p.TransID == "" || !p.Amount.IsPositive() || p.TransTime.IsZero() {
			t.Fatalf("accepted an unsettleable payment: %+v", p)
		}
		_ = p.Amount.String()
	})
}
