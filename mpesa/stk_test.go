package mpesa_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/mpesa"
)

const (
	pushPath  = "/mpesa/stkpush/v1/processrequest"
	queryPath = "/mpesa/stkpushquery/v1/query"
)

func validPush() mpesa.STKPush {
	return mpesa.STKPush{
		Phone:            "+254722000000",
		Amount:           decimal.NewFromInt(1),
		AccountReference: "GRP12",
		Description:      "contrib",
		CallbackURL:      "https://example.org/path",
	}
}

func TestSTKPushSendsDarajasBody(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(pushPath, serveFile(http.StatusOK, "stk_push_response.json"))
	c := newClient(t, f)

	got, err := c.STKPush(t.Context(), validPush())
	if err != nil {
		t.Fatal(err)
	}
	want := mpesa.STKAccepted{
		MerchantRequestID: "2654-4b64-97ff-b827b542881d3130",
		CheckoutRequestID: "ws_CO_1007202409152617172396192",
		ResponseCode:      "0",
		CustomerMessage:   "Success. Request accepted for processing",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("STKAccepted (-want +got):\n%s", d)
	}

	body := f.lastBody(t, pushPath)
	sameFieldsAs(t, body, "stk_push_request.json")
	// testNow is 06:24:08 UTC, 09:24:08 in Nairobi.
	wantFields := map[string]any{
		"BusinessShortCode": json.Number("174379"),
		"Timestamp":         "20210628092408",
		"TransactionType":   "CustomerPayBillOnline",
		"Amount":            "1",
		"PartyA":            "254722000000",
		"PartyB":            "174379",
		"PhoneNumber":       "254722000000",
		"CallBackURL":       "https://example.org/path",
		"AccountReference":  "GRP12",
		"TransactionDesc":   "contrib",
	}
	for k, v := range wantFields {
		if body[k] != v {
			t.Errorf("%s = %#v, want %#v", k, body[k], v)
		}
	}
	pw, err := base64.StdEncoding.DecodeString(body["Password"].(string))
	if err != nil {
		t.Fatalf("Password is not base64: %v", err)
	}
	if want := testShortcode + testPasskey + "20210628092408"; string(pw) != want {
		t.Errorf("Password decodes to %q, want %q", pw, want)
	}
}

func TestSTKPushTill(t *testing.T) {
	f := newFakeDaraja(t)
	f.handle(pushPath, serveFile(http.StatusOK, "stk_push_response.json"))
	c := newClient(t, f)
	p := validPush()
	p.TillNumber = true
	p.Phone = "0722 000 000"
	p.Amount = decimal.RequireFromString("250000.00")
	if _, err := c.STKPush(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	body := f.lastBody(t, pushPath)
	if body["TransactionType"] != "CustomerBuyGoodsOnline" || body["PhoneNumber"] != "254722000000" || body["Amount"] != "250000" {
		t.Errorf("body = %v", body)
	}
}

func TestSTKPushRefusesBeforeSending(t *testing.T) {
	tests := []struct {
		name   string
		change func(*mpesa.STKPush)
		want   error
	}{
		{"fraction", func(p *mpesa.STKPush) { p.Amount = decimal.RequireFromString("10.50") }, mpesa.ErrInvalidAmount},
		{"zero", func(p *mpesa.STKPush) { p.Amount = decimal.Zero }, mpesa.ErrInvalidAmount},
		{"above maximum", func(p *mpesa.STKPush) { p.Amount = decimal.NewFromInt(250001) }, mpesa.ErrInvalidAmount},
		{"reference of 13", func(p *mpesa.STKPush) { p.AccountReference = "GRP1234567890" }, mpesa.ErrInvalidRequest},
		{"no reference", func(p *mpesa.STKPush) { p.AccountReference = "" }, mpesa.ErrInvalidRequest},
		{"description of 14", func(p *mpesa.STKPush) { p.Description = "contribution 3" }, mpesa.ErrInvalidRequest},
		{"landline", func(p *mpesa.STKPush) { p.Phone = "020 222 2222" }, mpesa.ErrInvalidRequest},
		{"foreign", func(p *mpesa.STKPush) { p.Phone = "+255754123456" }, mpesa.ErrInvalidRequest},
		{"relative callback", func(p *mpesa.STKPush) { p.CallbackURL = "/hooks/stk" }, mpesa.ErrInvalidRequest},
	}
	f := newFakeDaraja(t)
	f.handle(pushPath, serveFile(http.StatusOK, "stk_push_response.json"))
	c := newClient(t, f)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPush()
			tt.change(&p)
			if _, err := c.STKPush(t.Context(), p); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	f.wantCalls(t, pushPath, 0)
	// 12 and 13 characters are the limits, not beyond them.
	p := validPush()
	p.AccountReference, p.Description = "GRP123456789", "contribution3"
	if _, err := c.STKPush(t.Context(), p); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

func TestSTKPushIsNeverRetried(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{"503": unavailable, "hang-up": hangUp} {
		t.Run(name, func(t *testing.T) {
			f := newFakeDaraja(t)
			f.handle(pushPath, h)
			c := newClient(t, f)
			if _, err := c.STKPush(t.Context(), validPush()); err == nil {
				t.Fatal("no error")
			}
			f.wantCalls(t, pushPath, 1) // a second push would prompt the customer twice
		})
	}
}

func TestSTKPushErrors(t *testing.T) {
	long := strings.Repeat("x", 1000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		is      error
		status  int
		code    string
		inText  []string
	}{
		{"bad request", serveFile(http.StatusBadRequest, "error_bad_request.json"), mpesa.ErrBadRequest, 400, "400.002.02",
			[]string{"400.002.02", "Invalid BusinessShortCode"}},
		{"proxy page", unavailable, mpesa.ErrUnexpectedResponse, 503, "",
			[]string{"503", "Service Temporarily Unavailable"}},
		{"long garbage", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusBadGateway, long) },
			mpesa.ErrUnexpectedResponse, 502, "", []string{"502", strings.Repeat("x", 200)}},
		{"200 not JSON", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, "OK") },
			mpesa.ErrUnexpectedResponse, 200, "", []string{"200", `"OK"`}},
		{"refused", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, `{"ResponseCode":"1","ResponseDescription":"Rejected","CheckoutRequestID":""}`)
		}, nil, 200, "1", []string{"Rejected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDaraja(t)
			f.handle(pushPath, tt.handler)
			c := newClient(t, f)
			_, err := c.STKPush(t.Context(), validPush())
			var ae *mpesa.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want it to match %v", err, tt.is)
			}
			if ae.HTTPStatus != tt.status || ae.Code != tt.code {
				t.Errorf("status %d code %q, want %d %q", ae.HTTPStatus, ae.Code, tt.status, tt.code)
			}
			for _, s := range tt.inText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if strings.Contains(err.Error(), strings.Repeat("x", 201)) {
				t.Errorf("error keeps more than 200 bytes of the body")
			}
		})
	}
}

func TestSTKQuery(t *testing.T) {
	f := newFakeDaraja(t)
	c := newClient(t, f)

	f.handle(queryPath, serveFile(http.StatusInternalServerError, "stk_query_pending.json"))
	st, err := c.STKQuery(t.Context(), "ws_CO_191220191020363925")
	if !errors.Is(err, mpesa.ErrStillProcessing) || st.Done {
		t.Errorf("pending: %+v, %v; want ErrStillProcessing and not done", st, err)
	}
	f.wantCalls(t, queryPath, 1) // pending is an answer, not a failure to retry

	f.handle(queryPath, serveFile(http.StatusOK, "stk_query_response.json"))
	st, err = c.STKQuery(t.Context(), "ws_CO_191220191020363925")
	if err != nil {
		t.Fatal(err)
	}
	want := mpesa.STKStatus{Done: true, ResultCode: "0", ResultDesc: "The service request is processed successfully."}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("done (-want +got):\n%s", d)
	}
	if !st.ResultCode.IsSuccess() {
		t.Error("ResultCode \"0\" is not a success")
	}

	f.handle(queryPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"ResponseCode":"0","ResponseDescription":"The service request has been accepted successfully","MerchantRequestID":"…","CheckoutRequestID":"…","ResultCode":"1032","ResultDesc":"Request cancelled by user"}`)
	})
	st, err = c.STKQuery(t.Context(), "ws_CO_191220191020363925")
	if err != nil || !st.Done || st.ResultCode != "1032" || st.ResultCode.IsSuccess() {
		t.Errorf("cancelled: %+v, %v", st, err)
	}

	body := f.lastBody(t, queryPath)
	if body["BusinessShortCode"] != json.Number(testShortcode) || body["CheckoutRequestID"] != "ws_CO_191220191020363925" ||
		body["Timestamp"] != "20210628092408" || len(body) != 4 {
		t.Errorf("query body = %v", body)
	}
}

func TestSTKQueryRetries(t *testing.T) {
	t.Run("503 twice, then the answer", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.handle(queryPath, sequence(unavailable, hangUp, serveFile(http.StatusOK, "stk_query_response.json")))
		c := newClient(t, f)
		st, err := c.STKQuery(t.Context(), "ws_CO_1")
		if err != nil || !st.Done {
			t.Fatalf("%+v, %v", st, err)
		}
		f.wantCalls(t, queryPath, 3)
	})
	t.Run("at most three tries", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.handle(queryPath, unavailable)
		c := newClient(t, f)
		_, err := c.STKQuery(t.Context(), "ws_CO_1")
		var ae *mpesa.APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusServiceUnavailable {
			t.Errorf("err = %v, want the 503", err)
		}
		f.wantCalls(t, queryPath, 3)
	})
	t.Run("a 400 is not retried", func(t *testing.T) {
		f := newFakeDaraja(t)
		f.handle(queryPath, serveFile(http.StatusBadRequest, "error_bad_request.json"))
		c := newClient(t, f)
		if _, err := c.STKQuery(t.Context(), "ws_CO_1"); !errors.Is(err, mpesa.ErrBadRequest) {
			t.Errorf("err = %v", err)
		}
		f.wantCalls(t, queryPath, 1)
	})
}

func TestSTKWithoutPasskey(t *testing.T) {
	f := newFakeDaraja(t)
	c := newClient(t, f, func(c *mpesa.Config) { c.Passkey = "" })
	if _, err := c.STKPush(t.Context(), validPush()); !errors.Is(err, mpesa.ErrNoPasskey) {
		t.Errorf("push: %v", err)
	}
	if _, err := c.STKQuery(t.Context(), "ws_CO_1"); !errors.Is(err, mpesa.ErrNoPasskey) {
		t.Errorf("query: %v", err)
	}
}
