package mpesa_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kikundi/kikundi/mpesa"
)

var eat = time.FixedZone("EAT", 3*3600)

func TestParseSTKCallback(t *testing.T) {
	success := mpesa.STKCallback{
		MerchantRequestID: "29115-34620561-1",
		CheckoutRequestID: "ws_CO_191220191020363925",
		ResultCode:        "0",
		ResultDesc:        "The service request is processed successfully.",
		Amount:            decimal.RequireFromString("1.00"),
		Receipt:           "NLJ7RT61SV",
		Phone:             "254708374149",
		TransactionDate:   time.Date(2019, 12, 19, 10, 21, 15, 0, eat),
		Success:           true,
	}
	masked := success
	masked.Phone = "0708***149"
	masked.Amount = decimal.NewFromInt(1)
	cancelled := mpesa.STKCallback{
		MerchantRequestID: "29115-34620561-1",
		CheckoutRequestID: "ws_CO_191220191020363925",
		ResultCode:        "1032",
		ResultDesc:        "Request cancelled by user",
	}
	unreachable := cancelled
	unreachable.ResultCode, unreachable.ResultDesc = "1037", "DS timeout user cannot be reached"

	tests := []parseCase[mpesa.STKCallback]{
		{"daraja.md success", string(testdata(t, "stk_callback_success.json")), success, false},
		{"strings where numbers were", `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
			"ResultCode":"0","ResultDesc":"The service request is processed successfully.",
			"CallbackMetadata":{"Item":[{"Name":"Amount","Value":"1"},{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},
			{"Name":"TransactionDate","Value":"20191219102115"},{"Name":"PhoneNumber","Value":"0708***149"}]}}}}`, masked, false},
		{"cancelled, no metadata", `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
			"ResultCode":1032,"ResultDesc":"Request cancelled by user"}}}`, cancelled, false},
		{"unreachable, code as string", `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
			"ResultCode":"1037","ResultDesc":"DS timeout user cannot be reached","CallbackMetadata":null}}}`, unreachable, false},
		{"single item object", `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
			"ResultCode":1032,"ResultDesc":"Request cancelled by user","CallbackMetadata":{"Item":{"Name":"Balance"}}}}}`, cancelled, false},
		{"not JSON", `<xml/>`, mpesa.STKCallback{}, true},
		{"empty", ``, mpesa.STKCallback{}, true},
		{"no stkCallback", `{"Body":{}}`, mpesa.STKCallback{}, true},
		{"no CheckoutRequestID", `{"Body":{"stkCallback":{"ResultCode":0}}}`, mpesa.STKCallback{}, true},
		{"no ResultCode", `{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1"}}}`, mpesa.STKCallback{}, true},
		{"ResultCode object", `{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1","ResultCode":{}}}}`, mpesa.STKCallback{}, true},
		{"success without metadata", `{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1","ResultCode":0}}}`, mpesa.STKCallback{}, true},
		{"success without receipt", `{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1","ResultCode":0,
			"CallbackMetadata":{"Item":[{"Name":"Amount","Value":1}]}}}}`, mpesa.STKCallback{}, true},
		{"amount not a number", `{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1","ResultCode":0,
			"CallbackMetadata":{"Item":[{"Name":"Amount","Value":"one"},{"Name":"MpesaReceiptNumber","Value":"N"}]}}}}`, mpesa.STKCallback{}, true},
		{"bad date", `{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1","ResultCode":0,
			"CallbackMetadata":{"Item":[{"Name":"Amount","Value":1},{"Name":"MpesaReceiptNumber","Value":"N"},{"Name":"TransactionDate","Value":2019}]}}}}`, mpesa.STKCallback{}, true},
		{"Item a string", `{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1","ResultCode":1,"CallbackMetadata":{"Item":"x"}}}}`, mpesa.STKCallback{}, true},
	}
	runParseCases(t, mpesa.ParseSTKCallback, tests)
}

func TestParseResult(t *testing.T) {
	b2c := mpesa.Result{
		ResultType:               "0",
		ResultCode:               "0",
		ResultDesc:               "The service request is processed successfully.",
		OriginatorConversationID: "…",
		ConversationID:           "AG_20240706_2010364430d9bbdaf872",
		TransactionID:            "SG632NMUAB",
		Params: map[string]string{
			"TransactionAmount":                   "10",
			"TransactionReceipt":                  "SG632NMUAB",
			"ReceiverPartyPublicName":             "254705912645 - NICHOLAS JOHN SONGOK",
			"TransactionCompletedDateTime":        "06.07.2024 22:48:52",
			"B2CUtilityAccountAvailableFunds":     "8959269.60",
			"B2CWorkingAccountAvailableFunds":     "1199371.00",
			"B2CRecipientIsRegisteredCustomer":    "Y",
			"B2CChargesPaidAccountAvailableFunds": "-1980.00",
		},
		Reference: map[string]string{"QueueTimeoutURL": "https://…"},
		Amount:    decimal.NewFromInt(10),
		Receipt:   "SG632NMUAB",
		Completed: time.Date(2024, 7, 6, 22, 48, 52, 0, eat),
	}
	reversalFailed := mpesa.Result{
		ResultType:               "0",
		ResultCode:               "R000002",
		ResultDesc:               "The OriginalTransID is invalid.",
		OriginatorConversationID: "8521-4298025-1",
		ConversationID:           "AG_20191219_00004e48cf7e3533f581",
		TransactionID:            "NLJ41HAY6Q",
		Params:                   map[string]string{},
		Reference:                map[string]string{"QueueTimeoutURL": "https://…", "Occasion": "refund"},
	}
	status := mpesa.Result{
		ResultType:               "0",
		ResultCode:               "0",
		ResultDesc:               "The service request is processed successfully.",
		OriginatorConversationID: "600997_Test_32et3241ed8yu",
		ConversationID:           "AG_20191219_00005797af5d7d75f652",
		TransactionID:            "NLJ41HAY6Q",
		Params: map[string]string{
			"ReceiptNo":         "NLJ7RT61SV",
			"TransactionStatus": "Completed",
			"Amount":            "100.00",
			"DebitPartyName":    "600992 - Safaricom",
			"FinalisedTime":     "20191219102115",
			"ConversationID":    "AG_20191219_00005797af5d7d75f652",
		},
		Reference: map[string]string{}, // an item without a Value is left out
		Amount:    decimal.RequireFromString("100.00"),
		Receipt:   "NLJ7RT61SV",
		Completed: time.Date(2019, 12, 19, 10, 21, 15, 0, eat),
	}
	balance := mpesa.Result{
		ResultType:               "0",
		ResultCode:               "0",
		ResultDesc:               "The service request is processed successfully.",
		OriginatorConversationID: "16917-22577599-3",
		ConversationID:           "AG_20200206_00005e091a8ec6b9eac5",
		TransactionID:            "OA90000000",
		Params: map[string]string{
			"AccountBalance":  "Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|228037.00|228037.00|0.00|0.00&Charges Paid Account|KES|-1540.00|-1540.00|0.00|0.00",
			"BOCompletedTime": "20200109125710",
		},
		Reference: map[string]string{},
	}
	timeoutFailure := mpesa.Result{
		ResultType:               "0",
		ResultCode:               "2001",
		ResultDesc:               "The initiator information is invalid.",
		OriginatorConversationID: "x",
		Params:                   map[string]string{"BOCompletedTime": "{\"a\":[1,2.50]}"},
		Reference:                map[string]string{},
	}

	tests := []parseCase[mpesa.Result]{
		{"daraja.md B2C", string(testdata(t, "b2c_result.json")), b2c, false},
		{"reversal failed, ReferenceItem array", `{"Result":{"ResultType":0,"ResultCode":"R000002","ResultDesc":"The OriginalTransID is invalid.",
			"OriginatorConversationID":"8521-4298025-1","ConversationID":"AG_20191219_00004e48cf7e3533f581","TransactionID":"NLJ41HAY6Q",
			"ReferenceData":{"ReferenceItem":[{"Key":"QueueTimeoutURL","Value":"https://…"},{"Key":"Occasion","Value":"refund"}]}}}`, reversalFailed, false},
		{"status, codes as strings", `{"Result":{"ResultType":"0","ResultCode":"0","ResultDesc":"The service request is processed successfully.",
			"OriginatorConversationID":"600997_Test_32et3241ed8yu","ConversationID":"AG_20191219_00005797af5d7d75f652","TransactionID":"NLJ41HAY6Q",
			"ResultParameters":{"ResultParameter":[{"Key":"ReceiptNo","Value":"NLJ7RT61SV"},{"Key":"TransactionStatus","Value":"Completed"},
			{"Key":"Amount","Value":100.00},{"Key":"DebitPartyName","Value":"600992 - Safaricom"},{"Key":"FinalisedTime","Value":20191219102115},
			{"Key":"ConversationID","Value":"AG_20191219_00005797af5d7d75f652"}]},
			"ReferenceData":{"ReferenceItem":{"Key":"Occasion"}}}}`, status, false},
		{"balance", `{"Result":{"ResultType":0,"ResultCode":0,"ResultDesc":"The service request is processed successfully.",
			"OriginatorConversationID":"16917-22577599-3","ConversationID":"AG_20200206_00005e091a8ec6b9eac5","TransactionID":"OA90000000",
			"ResultParameters":{"ResultParameter":[{"Key":"AccountBalance","Value":"Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|228037.00|228037.00|0.00|0.00&Charges Paid Account|KES|-1540.00|-1540.00|0.00|0.00"},
			{"Key":"BOCompletedTime","Value":20200109125710}]},"ReferenceData":""}}`, balance, false},
		{"single ResultParameter, odd value", `{"Result":{"ResultType":0,"ResultCode":2001,"ResultDesc":"The initiator information is invalid.",
			"OriginatorConversationID":"x","ResultParameters":{"ResultParameter":{"Key":"BOCompletedTime","Value":{"a": [1, 2.50]}}}}}`, timeoutFailure, false},
		{"not JSON", `Result`, mpesa.Result{}, true},
		{"no Result", `{"result":null}`, mpesa.Result{}, true},
		{"no ResultCode", `{"Result":{"ConversationID":"AG_1"}}`, mpesa.Result{}, true},
		{"no ids", `{"Result":{"ResultCode":0}}`, mpesa.Result{}, true},
		{"ResultCode array", `{"Result":{"ResultCode":[0],"ConversationID":"AG_1"}}`, mpesa.Result{}, true},
		{"amount not a number", `{"Result":{"ResultCode":0,"ConversationID":"AG_1","ResultParameters":{"ResultParameter":{"Key":"TransactionAmount","Value":"ten"}}}}`, mpesa.Result{}, true},
		{"bad completion time", `{"Result":{"ResultCode":0,"ConversationID":"AG_1","ResultParameters":{"ResultParameter":{"Key":"TransactionCompletedDateTime","Value":"2024-07-06"}}}}`, mpesa.Result{}, true},
		{"ResultParameters a number", `{"Result":{"ResultCode":0,"ConversationID":"AG_1","ResultParameters":5}}`, mpesa.Result{}, true},
		{"ReferenceItem a string", `{"Result":{"ResultCode":0,"ConversationID":"AG_1","ReferenceData":{"ReferenceItem":"x"}}}`, mpesa.Result{}, true},
	}
	runParseCases(t, mpesa.ParseResult, tests)
}

func FuzzParseSTKCallback(f *testing.F) {
	f.Add(testdata(f, "stk_callback_success.json"))
	f.Add([]byte(`{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_1","ResultCode":"0","CallbackMetadata":{"Item":{"Name":"Amount","Value":"1e9"}}}}}`))
	f.Add([]byte(`{"Body":{"stkCallback":{"CheckoutRequestID":7,"ResultCode":1032}}}`))
	f.Add([]byte(`{"Body":{"stkCallback":{"CheckoutRequestID":"x","ResultCode":0,"CallbackMetadata":{"Item":[{"Name":"Amount","Value":1e-999999999},{"Name":"MpesaReceiptNumber","Value":"N"}]}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := mpesa.ParseSTKCallback(body)
		if err != nil {
			if !errors.Is(err, mpesa.ErrMalformedCallback) {
				t.Fatalf("error %v does not wrap ErrMalformedCallback", err)
			}
			return
		}
		if cb.CheckoutRequestID == "" || cb.ResultCode == "" {
			t.Fatalf("accepted a callback without its ids: %+v", cb)
		}
		if cb.Success != cb.ResultCode.IsSuccess() || (cb.Success && (cb.Receipt == "" || !cb.Amount.IsPositive())) {
			t.Fatalf("accepted an unsettleable success: %+v", cb)
		}
		_ = cb.Amount.String()
	})
}

func FuzzParseResult(f *testing.F) {
	f.Add(testdata(f, "b2c_result.json"))
	f.Add([]byte(`{"Result":{"ResultCode":"R000002","ConversationID":"AG","ReferenceData":{"ReferenceItem":[{"Key":"a","Value":1},{"Key":"b"}]}}}`))
	f.Add([]byte(`{"Result":{"ResultCode":0,"ConversationID":"AG","ResultParameters":{"ResultParameter":{"Key":"Amount","Value":1e400}}}}`))
	f.Add([]byte(`{"Result":{"ResultCode":0,"ConversationID":"AG","ResultParameters":""}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := mpesa.ParseResult(body)
		if err != nil {
			if !errors.Is(err, mpesa.ErrMalformedCallback) {
				t.Fatalf("error %v does not wrap ErrMalformedCallback", err)
			}
			return
		}
		if r.ResultCode == "" || (r.OriginatorConversationID == "" && r.ConversationID == "") || r.Params == nil || r.Reference == nil {
			t.Fatalf("accepted a result without its ids: %+v", r)
		}
		_ = r.Amount.String()
	})
}
