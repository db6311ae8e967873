package aggregator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kikundi/kikundi/ussd/hop"
)

func hubtelRequestBody(body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, "/hooks/hubtel/ussd", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func hubtelJSON(t *testing.T, fields map[string]any) *http.Request {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return hubtelRequestBody(string(b))
}

func decodeHubtel(t *testing.T, r reply) hubtelReply {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %q", r.status, r.body)
	}
	if !strings.HasPrefix(r.contentType, "application/json") {
		t.Errorf("Content-Type %q", r.contentType)
	}
	var out hubtelReply
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("reply %q: %v", r.body, err)
	}
	return out
}

func TestHubtelTranslation(t *testing.T) {
	base := hop.Request{Aggregator: "hubtel", SessionID: "h-1", Phone: "+254711000111", ServiceCode: "*384*12#", Network: "Safaricom"}
	tests := []struct {
		name   string
		fields map[string]any
		want   func(hop.Request) hop.Request
	}{
		{
			name:   "initiation",
			fields: map[string]any{"Type": "Initiation", "Message": "*384*12#", "Sequence": 1},
			want:   func(r hop.Request) hop.Request { r.First = true; return r },
		},
		{
			name:   "initiation with a shortcut",
			fields: map[string]any{"Type": "Initiation", "Message": "*384*12*1*500#", "Sequence": 1},
			want: func(r hop.Request) hop.Request {
				r.First, r.FullPath, r.Input = true, true, "1*500"
				return r
			},
		},
		{
			name:   "shortcut with the code written without * and #",
			fields: map[string]any{"Type": "Initiation", "ServiceCode": "384*12", "Message": "*384*12*3#"},
			want: func(r hop.Request) hop.Request {
				r.ServiceCode, r.First, r.FullPath, r.Input = "384*12", true, true, "3"
				return r
			},
		},
		{
			name:   "initiation whose dial string is another code",
			fields: map[string]any{"Type": "Initiation", "Message": "*999*1#"},
			want:   func(r hop.Request) hop.Request { r.First = true; return r },
		},
		{
			name:   "response carries only the latest input",
			fields: map[string]any{"Type": "Response", "Message": "2", "Sequence": 3, "ClientState": "x"},
			want:   func(r hop.Request) hop.Request { r.Input = "2"; return r },
		},
		{
			name:   "type is read case-insensitively",
			fields: map[string]any{"Type": "response", "Message": "2"},
			want:   func(r hop.Request) hop.Request { r.Input = "2"; return r },
		},
		{
			name:   "control characters stripped",
			fields: map[string]any{"Type": "Response", "Message": "50\u00000\r\n"},
			want:   func(r hop.Request) hop.Request { r.Input = "500"; return r },
		},
		{
			name:   "star storm kept",
			fields: map[string]any{"Type": "Response", "Message": "****"},
			want:   func(r hop.Request) hop.Request { r.Input = "****"; return r },
		},
		{
			name:   "local phone",
			fields: map[string]any{"Type": "Response", "Message": "1", "Mobile": "0711000111"},
			want:   func(r hop.Request) hop.Request { r.Input = "1"; return r },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			fields := map[string]any{"SessionId": "h-1", "Mobile": "254711000111", "ServiceCode": "*384*12#", "Operator": "Safaricom"}
			for k, v := range tt.fields {
				fields[k] = v
			}
			got := decodeHubtel(t, h.do(t, hubtelJSON(t, fields)))
			if diff := cmp.Diff(hubtelReply{Type: "Response", Message: "Karibu\n1. Michango"}, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]hop.Request{tt.want(base)}, h.engine.calls()); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHubtelReplies(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeEngine)
		want  hubtelReply
	}{
		{"continue", func(f *fakeEngine) { f.resp = hop.Response{Text: "Weka PIN:"} }, hubtelReply{Type: "Response", Message: "Weka PIN:"}},
		{"end", func(f *fakeEngine) { f.resp = hop.Response{Text: "Asante", End: true} }, hubtelReply{Type: "Release", Message: "Asante"}},
		{"empty", func(f *fakeEngine) { f.resp = hop.Response{} }, hubtelReply{Type: "Release", Message: screenGoodbye}},
		{"error", func(f *fakeEngine) { f.err = errTest }, hubtelReply{Type: "Release", Message: screenUnavailable}},
		{"panic", func(f *fakeEngine) { f.panic = "boom" }, hubtelReply{Type: "Release", Message: screenUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			tt.setup(h.engine)
			got := decodeHubtel(t, h.do(t, hubtelRequestBody(`{"SessionId":"h","Mobile":"254711000111","Type":"Response","Message":"1"}`)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHubtelSessionEnds(t *testing.T) {
	for _, typ := range []string{"Release", "Timeout"} {
		t.Run(typ, func(t *testing.T) {
			h := newHarness(t, nil)
			got := decodeHubtel(t, h.do(t, hubtelRequestBody(`{"SessionId":"h","Mobile":"254711000111","Type":"`+typ+`","Message":"1*4826"}`)))
			if diff := cmp.Diff(hubtelReply{Type: "Release"}, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if n := len(h.engine.calls()); n != 0 {
				t.Errorf("engine called %d times", n)
			}
		})
	}
}

func TestHubtelRefusals(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"malformed JSON", `{"SessionId":`, 400, "malformed JSON"},
		{"not an object", `[1,2]`, 400, "malformed JSON"},
		{"unknown Type", `{"SessionId":"h","Mobile":"254711000111","Type":"Hack"}`, 400, "unknown Type"},
		{"missing SessionId", `{"Mobile":"254711000111","Type":"Response","Message":"1"}`, 400, "missing SessionId"},
		{"missing Mobile", `{"SessionId":"h","Type":"Response","Message":"1"}`, 400, "missing Mobile"},
		{"10 KB message", `{"SessionId":"h","Mobile":"254711000111","Type":"Response","Message":"` + strings.Repeat("9", 10*1024) + `"}`, 200, `{"Type":"Release","Message":"` + screenTooLong + `","ClientState":""}`},
		{"10 KB dial string", `{"SessionId":"h","Mobile":"254711000111","Type":"Initiation","Message":"*384*12*` + strings.Repeat("9", 10*1024) + `#"}`, 200, `{"Type":"Release","Message":"` + screenTooLong + `","ClientState":""}`},
		{"unparsable phone", `{"SessionId":"h","Mobile":"233244000111","Type":"Response","Message":"1"}`, 200, `{"Type":"Release","Message":"` + screenUnknownPhone + `","ClientState":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			r := h.do(t, hubtelRequestBody(tt.body))
			if r.status != tt.wantStatus || r.body != tt.wantBody {
				t.Errorf("reply %d %q, want %d %q", r.status, r.body, tt.wantStatus, tt.wantBody)
			}
			if n := len(h.engine.calls()); n != 0 {
				t.Errorf("engine called %d times", n)
			}
		})
	}
}
