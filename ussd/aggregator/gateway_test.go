package aggregator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kikundi/kikundi/ussd/hop"
)

func gatewayRequest(query map[string]string) *http.Request {
	v := url.Values{}
	for k, s := range query {
		v.Set(k, s)
	}
	req, _ := http.NewRequest(http.MethodGet, "/hooks/gateway/ussd?"+v.Encode(), nil)
	return req
}

func TestGatewayTranslation(t *testing.T) {
	tests := []struct {
		name        string
		serviceCode string
		ussd        string
		msisdn      string
		input       string
	}{
		{name: "first hop, empty", ussd: "", input: ""},
		{name: "path without the code", ussd: "1*500", input: "1*500"},
		{name: "path with the code", ussd: "384*12*1*500", input: "1*500"},
		{name: "only the code", ussd: "384*12", input: ""},
		{name: "path in dial form", ussd: "*384*12*1*500#", input: "1*500"},
		{name: "code dialled bare", ussd: "*384*12#", input: ""},
		{name: "code written without * and #", serviceCode: "384*12", ussd: "384*12*2", input: "2"},
		{name: "digits that only start like the code", serviceCode: "*384#", ussd: "3841*2", input: "3841*2"},
		{name: "the code later in the path is input", ussd: "1*384*12", input: "1*384*12"},
		{name: "star storm kept", ussd: "****", input: "****"},
		{name: "control characters stripped", ussd: "1*\x002\r\n", input: "1*2"},
		{name: "SQL passed through", ussd: "1*' OR 1=1;--", input: "1*' OR 1=1;--"},
		{name: "international phone", msisdn: "254711000111", ussd: "1", input: "1"},
		{name: "phone with plus", msisdn: "+254711000111", ussd: "1", input: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			code := "*384*12#"
			if tt.serviceCode != "" {
				code = tt.serviceCode
			}
			msisdn := "0711000111"
			if tt.msisdn != "" {
				msisdn = tt.msisdn
			}
			r := h.do(t, gatewayRequest(map[string]string{"session_id": "g-1", "msisdn": msisdn, "service_code": code, "ussd_string": tt.ussd, "network_code": "63903"}))
			if r.status != http.StatusOK || r.body != "CON Karibu\n1. Michango" {
				t.Fatalf("reply %d %q", r.status, r.body)
			}
			if !strings.HasPrefix(r.contentType, "text/plain") {
				t.Errorf("Content-Type %q", r.contentType)
			}
			want := []hop.Request{{Aggregator: "gateway", SessionID: "g-1", Phone: "+254711000111", ServiceCode: code, Network: "63903", Input: tt.input, FullPath: true}}
			if diff := cmp.Diff(want, h.engine.calls()); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGatewayReplies(t *testing.T) {
	tests := []struct {
		name  string
		query map[string]string
		setup func(*fakeEngine)
		code  int
		want  string
	}{
		{"end", map[string]string{"session_id": "g", "msisdn": "0711000111"}, func(f *fakeEngine) { f.resp = hop.Response{Text: "Asante", End: true} }, 200, "END Asante"},
		{"empty", map[string]string{"session_id": "g", "msisdn": "0711000111"}, func(f *fakeEngine) { f.resp = hop.Response{} }, 200, "END " + screenGoodbye},
		{"error", map[string]string{"session_id": "g", "msisdn": "0711000111"}, func(f *fakeEngine) { f.err = errTest }, 200, "END " + screenUnavailable},
		{"panic", map[string]string{"session_id": "g", "msisdn": "0711000111"}, func(f *fakeEngine) { f.panic = "boom" }, 200, "END " + screenUnavailable},
		{"missing session_id", map[string]string{"msisdn": "0711000111"}, func(*fakeEngine) {}, 400, "missing session_id"},
		{"missing msisdn", map[string]string{"session_id": "g"}, func(*fakeEngine) {}, 400, "missing msisdn"},
		{"unparsable msisdn", map[string]string{"session_id": "g", "msisdn": "020123456"}, func(*fakeEngine) {}, 200, "END " + screenUnknownPhone},
		// A 10 KB query never reaches a handler: fasthttp refuses a request line longer
		// than its 4 KB read buffer. 2 KB does, and is still over the limit.
		{"2 KB path", map[string]string{"session_id": "g", "msisdn": "0711000111", "ussd_string": strings.Repeat("1", 2048)}, func(*fakeEngine) {}, 200, "END " + screenTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			tt.setup(h.engine)
			r := h.do(t, gatewayRequest(tt.query))
			if r.status != tt.code || r.body != tt.want {
				t.Errorf("reply %d %q, want %d %q", r.status, r.body, tt.code, tt.want)
			}
		})
	}
}

func FuzzGatewayPath(f *testing.F) {
	for _, s := range [][2]string{{"384*12*1", "*384*12#"}, {"*384*12#", "*384*12#"}, {"", ""}, {"#", "#"}, {"*", "*#"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, ussd, code string) {
		got := gatewayPath(ussd, code)
		if len(got) > len(ussd) {
			t.Fatalf("gatewayPath(%q, %q) = %q grew", ussd, code, got)
		}
		if got != ussd && !strings.Contains(ussd, got) {
			t.Fatalf("gatewayPath(%q, %q) = %q is not part of the path", ussd, code, got)
		}
	})
}
