package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

func newApp(m *Metrics) *fiber.App {
	app := fiber.New()
	app.Use(m.Middleware())
	app.Get("/metrics", m.Handler())
	app.Get("/groups/:id", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/bad", func(c *fiber.Ctx) error { return fiber.ErrBadRequest })
	app.Get("/boom", func(c *fiber.Ctx) error { return errors.New("db down") })
	hooks := app.Group("/hooks", func(c *fiber.Ctx) error { return fiber.ErrUnauthorized })
	hooks.Post("/at/ussd", func(c *fiber.Ctx) error { return nil })
	return app
}

func get(t *testing.T, app *fiber.App, method, path string) string {
	t.Helper()
	resp, err := app.Test(httptest.NewRequest(method, path, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMiddlewareLabelsByRouteTemplate(t *testing.T) {
	m := New()
	app := newApp(m)
	for _, p := range []string{"/groups/1", "/groups/2", "/groups/3"} {
		get(t, app, "GET", p)
	}
	get(t, app, "GET", "/bad")
	get(t, app, "GET", "/boom")
	get(t, app, "GET", "/wp-login.php")
	get(t, app, "GET", "/.env")
	get(t, app, "POST", "/hooks/at/ussd?token=nope")

	out := get(t, app, "GET", "/metrics")
	for _, want := range []string{
		`kikundi_http_requests_total{method="GET",route="/groups/:id",status="200"} 3`,
		`kikundi_http_requests_total{method="GET",route="/bad",status="400"} 1`,
		`kikundi_http_requests_total{method="GET",route="/boom",status="500"} 1`,
		`kikundi_http_requests_total{method="GET",route="unmatched",status="404"} 2`,
		`kikundi_http_requests_total{method="POST",route="/hooks",status="401"} 1`,
		`kikundi_http_request_duration_seconds_count{method="GET",route="/groups/:id"} 3`,
		"go_goroutines",
		"process_cpu_seconds_total",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, leak := range []string{"/groups/1", "wp-login", ".env", "token"} {
		if strings.Contains(out, leak) {
			t.Errorf("metrics carry a raw path or query: %q", leak)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

func TestRegistryTakesOtherCollectors(t *testing.T) {
	m := New()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "kikundi_test_things_total", Help: "test"})
	m.Registry().MustRegister(c)
	c.Add(7)
	if out := get(t, newApp(m), "GET", "/metrics"); !strings.Contains(out, "kikundi_test_things_total 7") {
		t.Errorf("registered collector not served:\n%s", out)
	}
}

func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(), New()
	get(t, newApp(a), "GET", "/bad")
	if out := get(t, newApp(b), "GET", "/metrics"); strings.Contains(out, `route="/bad"`) {
		t.Error("a request on one registry shows up on another")
	}
}

func TestRouteLabelSeenByOuterMiddleware(t *testing.T) {
	m := New()
	app := fiber.New()
	var seen []string
	app.Use(func(c *fiber.Ctx) error {
		err := c.Next()
		seen = append(seen, RouteLabel(c))
		return err
	})
	app.Use(m.Middleware())
	app.Get("/groups/:id", func(c *fiber.Ctx) error { return nil })
	get(t, app, "GET", "/groups/42")
	get(t, app, "GET", "/nope")
	if strings.Join(seen, ",") != "/groups/:id,unmatched" {
		t.Errorf("labels = %v", seen)
	}
}
