package httpserver

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestRequireHookToken(t *testing.T) {
	app, logs := newTestApp(t, Options{})
	calls := 0
	handler := func(c *fiber.Ctx) error { calls++; return c.SendString("END ok") }
	app.Post("/hooks/at/ussd", RequireHookToken("hook-s3kr1t"), handler)
	app.Post("/hooks/unset", RequireHookToken(""), handler)

	tests := []struct {
		name, target string
		wantStatus   int
	}{
		{"missing", "/hooks/at/ussd", 401},
		{"wrong", "/hooks/at/ussd?token=guess", 401},
		{"prefix", "/hooks/at/ussd?token=hook-s3kr1", 401},
		{"longer", "/hooks/at/ussd?token=hook-s3kr1tX", 401},
		{"empty configured token accepts nothing", "/hooks/unset?token=", 401},
		{"right", "/hooks/at/ussd?token=hook-s3kr1t", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := calls
			r := do(t, app, httptest.NewRequest("POST", tt.target, nil))
			if r.status != tt.wantStatus {
				t.Fatalf("POST %s = %d %s, want %d", tt.target, r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus == 401 {
				if r.body != `{"error":"invalid token"}` {
					t.Errorf("body = %s", r.body)
				}
				if calls != before {
					t.Error("handler ran behind a rejected token")
				}
			} else if calls != before+1 {
				t.Error("handler did not run with the right token")
			}
		})
	}
	if strings.Contains(logs.String(), "s3kr1t") {
		t.Errorf("token logged:\n%s", logs)
	}
}
