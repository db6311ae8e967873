package aggregator

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kikundi/kikundi/ussd/hop"
)

func atRequest(form map[string]string) *http.Request {
	v := url.Values{}
	for k, s := range form {
		v.Set(k, s)
	}
	req, _ := http.NewRequest(http.MethodPost, "/hooks/at/ussd", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestATTranslation(t *testing.T) {
	base := map[string]string{"sessionId": "ATUid_1", "serviceCode": "*384*12#", "phoneNumber": "+254711000111", "networkCode": "63902"}
	want := hop.Request{Aggregator: "at", SessionID: "ATUid_1", Phone: "+254711000111", ServiceCode: "*384*12#", Network: "63902", FullPath: true}
	tests := []struct {
		name  string
		text  string
		phone string
		input string
	}{
		{name: "first hop", text: "", input: ""},
		{name: "path", text: "1*2*500", input: "1*2*500"},
		{name: "shortcut on first hop", text: "1*500", input: "1*500"},
		{name: "control characters stripped", text: "1\x00*2\r\n*\x1b500", input: "1*2*500"},
		{name: "star storm kept for the engine", text: "****", input: "****"},
		{name: "SQL passed through untouched", text: "1*'; DROP TABLE chama_people;--", input: "1*'; DROP TABLE chama_people;--"},
		{name: "local phone normalised", text: "1", phone: "0711 000 111", input: "1"},
		{name: "exactly the limit", text: strings.Repeat("1*", 500), input: strings.Repeat("1*", 500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			form := map[string]string{"text": tt.text}
			for k, v := range base {
				form[k] = v
			}
			if tt.phone != "" {
				form["phoneNumber"] = tt.phone
			}
			r := h.do(t, atRequest(form))
			if r.status != http.StatusOK || r.body != "CON Karibu\n1. Michango" {
				t.Fatalf("reply %d %q", r.status, r.body)
			}
			if !strings.HasPrefix(r.contentType, "text/plain") {
				t.Errorf("Content-Type %q", r.contentType)
			}
			w := want
			w.Input = tt.input
			if diff := cmp.Diff([]hop.Request{w}, h.engine.calls()); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestATReplies(t *testing.T) {
	tests := []struct {
		name string
		resp hop.Response
		want string
	}{
		{"continue", hop.Response{Text: "Weka PIN:"}, "CON Weka PIN:"},
		{"end", hop.Response{Text: "Asante", End: true}, "END Asante"},
		{"empty text ends politely", hop.Response{}, "END " + screenGoodbye},
		{"blank text ends politely", hop.Response{Text: "  \n"}, "END " + screenGoodbye},
		{"text kept as given", hop.Response{Text: "CON looks like a prefix"}, "CON CON looks like a prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.engine.resp = tt.resp
			r := h.do(t, atRequest(map[string]string{"sessionId": "s", "phoneNumber": "+254711000111", "text": "1"}))
			if r.status != http.StatusOK || r.body != tt.want {
				t.Errorf("reply %d %q, want 200 %q", r.status, r.body, tt.want)
			}
		})
	}
}

func TestATRefusals(t *testing.T) {
	tests := []struct {
		name       string
		form       map[string]string
		wantStatus int
		wantBody   string
	}{
		{"missing sessionId", map[string]string{"phoneNumber": "+254711000111"}, 400, "missing sessionId"},
		{"blank sessionId", map[string]string{"sessionId": "\x00 ", "phoneNumber": "+254711000111"}, 400, "missing sessionId"},
		{"missing phoneNumber", map[string]string{"sessionId": "s"}, 400, "missing phoneNumber"},
		{"sessionId too long", map[string]string{"sessionId": strings.Repeat("s", 200), "phoneNumber": "+254711000111"}, 400, "sessionId too long"},
		{"10 KB text", map[string]string{"sessionId": "s", "phoneNumber": "+254711000111", "text": strings.Repeat("1*", 5*1024)}, 200, "END " + screenTooLong},
		{"one byte over the limit", map[string]string{"sessionId": "s", "phoneNumber": "+254711000111", "text": strings.Repeat("1", 1001)}, 200, "END " + screenTooLong},
		{"foreign phone", map[string]string{"sessionId": "s", "phoneNumber": "+255754123456", "text": "1"}, 200, "END " + screenUnknownPhone},
		{"garbage phone", map[string]string{"sessionId": "s", "phoneNumber": "<script>", "text": "1"}, 200, "END " + screenUnknownPhone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			r := h.do(t, atRequest(tt.form))
			if r.status != tt.wantStatus || r.body != tt.wantBody {
				t.Errorf("reply %d %q, want %d %q", r.status, r.body, tt.wantStatus, tt.wantBody)
			}
			if n := len(h.engine.calls()); n != 0 {
				t.Errorf("engine called %d times", n)
			}
		})
	}
}

var errTest = errors.New("engine down")

func TestATEngineFailure(t *testing.T) {
	tests := map[string]func(*fakeEngine){
		"error":               func(f *fakeEngine) { f.err = errTest },
		"panic":               func(f *fakeEngine) { f.panic = "boom" },
		"panic with an error": func(f *fakeEngine) { f.panic = errTest },
	}
	for name, setup := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, nil)
			setup(h.engine)
			r := h.do(t, atRequest(map[string]string{"sessionId": "s", "phoneNumber": "+254711000111", "text": "1*2"}))
			if want := "END " + screenUnavailable; r.status != http.StatusOK || r.body != want {
				t.Errorf("reply %d %q, want 200 %q", r.status, r.body, want)
			}
			if logs := h.logs.String(); !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "ussd hop failed") {
				t.Errorf("no error logged:\n%s", logs)
			}
		})
	}
}
