package simswap_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/simswap"
)

func TestSandboxKeepsTheLatestSwap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := simswap.Sandbox{DB: dbtest.Postgres(t)}
	if at, err := s.LastSwap(ctx, "0711000004"); err != nil || !at.IsZero() {
		t.Fatalf("never swapped: %v, %v", at, err)
	}
	first := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{first, first.Add(-48 * time.Hour)} { // an older report changes nothing
		if err := s.Record(ctx, "+254711000004", at); err != nil {
			t.Fatal(err)
		}
	}
	if at, err := s.LastSwap(ctx, "0711 000 004"); err != nil || !at.Equal(first) {
		t.Errorf("last swap %v, %v; want %v", at, err, first)
	}
	if err := s.Record(ctx, "not a phone", first); err == nil {
		t.Error("a malformed number was recorded")
	}
}

func TestDevEndpointRecordsASwap(t *testing.T) {
	t.Parallel()
	s := simswap.Sandbox{DB: dbtest.Postgres(t)}
	app := fiber.New()
	simswap.MountDev(app, s)
	for body, want := range map[string]int{
		"phone=0711000005&at=2026-11-22T09%3A00%3A00%2B03%3A00": 200,
		"phone=0711000005&at=yesterday":                         400,
		"phone=12":                                              400,
	} {
		req := httptest.NewRequest("POST", "/dev/sim-swap", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", body, resp.StatusCode, want)
		}
	}
	at, err := s.LastSwap(context.Background(), "+254711000005")
	if want := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC); err != nil || !at.Equal(want) {
		t.Errorf("recorded %v, %v; want %v", at, err, want)
	}
}
