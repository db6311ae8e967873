package httpserver

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/kikundi/kikundi/internal/testkit"
)

func newTestApp(t *testing.T, opts Options) (*fiber.App, *testkit.SyncBuffer) {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	return New(opts), logs
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, app *fiber.App, req *http.Request) response {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func jsonBody(t *testing.T, r response) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object of strings: %v", r.body, err)
	}
	return m
}

func TestHealthz(t *testing.T) {
	app, _ := newTestApp(t, Options{})
	r := do(t, app, httptest.NewRequest("GET", "/healthz", nil))
	if r.status != 200 || jsonBody(t, r)["status"] != "ok" {
		t.Fatalf("GET /healthz = %d %s", r.status, r.body)
	}
}

func TestErrorsBecomeJSON(t *testing.T) {
	app, logs := newTestApp(t, Options{})
	app.Get("/teapot", func(c *fiber.Ctx) error { return fiber.NewError(fiber.StatusTeapot, "short and stout") })
	app.Get("/fail", func(c *fiber.Ctx) error { return errors.New("dial tcp 10.0.0.7:5432: connection refused") })
	app.Get("/panic", func(c *fiber.Ctx) error { panic("nil map somewhere") })

	tests := []struct {
		path, wantMsg string
		wantStatus    int
	}{
		{"/teapot", "short and stout", fiber.StatusTeapot},
		{"/fail", "internal server error", 500},
		{"/panic", "internal server error", 500},
		{"/no/such/route", "Cannot GET /no/such/route", 404},
	}
	for _, tt := range tests {
		r := do(t, app, httptest.NewRequest("GET", tt.path, nil))
		if r.status != tt.wantStatus || jsonBody(t, r)["error"] != tt.wantMsg {
			t.Errorf("GET %s = %d %s, want %d {\"error\":%q}", tt.path, r.status, r.body, tt.wantStatus, tt.wantMsg)
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s content type %q", tt.path, r.header.Get("Content-Type"))
		}
		if strings.Contains(r.body, "10.0.0.7") || strings.Contains(r.body, "goroutine") {
			t.Errorf("GET %s leaks internals: %s", tt.path, r.body)
		}
	}
	out := logs.String()
	for _, want := range []string{"10.0.0.7:5432", "nil map somewhere", "goroutine", "route=unmatched status=404"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestRequestID(t *testing.T) {
	app, logs := newTestApp(t, Options{})

	r := do(t, app, httptest.NewRequest("GET", "/healthz", nil))
	id := r.header.Get(HeaderRequestID)
	if _, err := uuid.Parse(id); err != nil {
		t.Errorf("generated request id %q is not a UUID", id)
	}
	if !strings.Contains(logs.String(), "request_id="+id) {
		t.Errorf("access log lacks the request id %s:\n%s", id, logs)
	}

	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set(HeaderRequestID, "gw-abc.123")
	if got := do(t, app, req).header.Get(HeaderRequestID); got != "gw-abc.123" {
		t.Errorf("caller's request id not kept: %q", got)
	}

	req = httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set(HeaderRequestID, "evil\" level=ERROR msg=forged")
	if got := do(t, app, req).header.Get(HeaderRequestID); strings.Contains(got, "forged") {
		t.Errorf("unsafe request id echoed: %q", got)
	}
}

func TestAccessLogNamesRoutesNotQueries(t *testing.T) {
	app, logs := newTestApp(t, Options{})
	app.Get("/hooks/gateway/ussd", func(c *fiber.Ctx) error { return c.SendString("CON Karibu") })
	r := do(t, app, httptest.NewRequest("GET", "/hooks/gateway/ussd?token=hook-s3kr1t&msisdn=254711000111&ussd_string=1*2*4321", nil))
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	out := logs.String()
	if !strings.Contains(out, "method=GET route=/hooks/gateway/ussd status=200") {
		t.Errorf("access line lacks method, route or status:\n%s", out)
	}
	for _, leak := range []string{"s3kr1t", "4321", "254711000111", "token"} {
		if strings.Contains(out, leak) {
			t.Errorf("access log leaks %q:\n%s", leak, out)
		}
	}
	if n := strings.Count(out, "msg=\"http request\""); n != 1 {
		t.Errorf("%d access lines for one request:\n%s", n, out)
	}
}
