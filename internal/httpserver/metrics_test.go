package httpserver

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestMetricsCountRouteTemplates(t *testing.T) {
	app, _ := newTestApp(t, Options{})
	app.Post("/hooks/daraja/:kind/result", RequireHookToken("t"), func(c *fiber.Ctx) error { return nil })

	do(t, app, httptest.NewRequest("GET", "/healthz", nil))
	do(t, app, httptest.NewRequest("POST", "/hooks/daraja/b2c/result?token=t", nil))
	do(t, app, httptest.NewRequest("POST", "/hooks/daraja/status/result?token=t", nil))
	do(t, app, httptest.NewRequest("POST", "/hooks/daraja/status/result?token=bad", nil))

	r := do(t, app, httptest.NewRequest("GET", "/metrics", nil))
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{
		`kikundi_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`kikundi_http_requests_total{method="POST",route="/hooks/daraja/:kind/result",status="200"} 2`,
		`kikundi_http_requests_total{method="POST",route="/hooks/daraja/:kind/result",status="401"} 1`,
		`kikundi_http_request_duration_seconds_count{method="GET",route="/healthz"} 1`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(r.body, "/hooks/daraja/b2c") {
		t.Error("/metrics carries a raw path")
	}
}
