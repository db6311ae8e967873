package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/internal/dbtest"
	"github.com/kikundi/kikundi/internal/httpserver"
	"github.com/kikundi/kikundi/ussd"
	"github.com/kikundi/kikundi/ussd/aggregator"
)

func TestSplitDial(t *testing.T) {
	for _, c := range []struct {
		in, code, path string
	}{
		{"*384*12#", "*384*12#", ""},
		{"*384*12*1*500#", "*384*12#", "1*500"},
		{"384*12*2", "*384*12#", "2"},
	} {
		code, path := splitDial(c.in)
		if code != c.code || strings.Join(path, "*") != c.path {
			t.Errorf("splitDial(%q) = %q %v, want %q %q", c.in, code, path, c.code, c.path)
		}
	}
}

// TestDialJourney is a newcomer's first session, typed into kikundi dial, over HTTP
// through the Africa's Talking adapter into the real engine, Redis and Postgres.
func TestDialJourney(t *testing.T) {
	smsWait = 0 // no SMS sandbox here
	db := dbtest.Postgres(t)
	rdb, prefix := dbtest.Redis(t)
	groups := chama.New(chama.Options{DB: db})
	engine := ussd.New(ussd.Options{Store: ussd.NewRedisStore(rdb, prefix), Groups: groups})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	aggregator.Mount(app.Group("/hooks", httpserver.RequireHookToken("t")), engine, aggregator.NewPostgresEventStore(db), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })

	d := dialer{base: "http://" + ln.Addr().String(), token: "t", phone: "+254711000009", code: "*384*12#"}
	var out bytes.Buffer
	keys := strings.NewReader("2\n1\nAmina\n7391\n7391\n1\nBARAKA\nBaraka Group\n")
	if err := dial(context.Background(), d, nil, keys, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Welcome to Kikundi", "We keep your number", "Enter your name", "PIN set",
		"Group BARAKA created", "(session ended)"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("the phone never showed %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "7391") {
		t.Error("the PIN was shown on a screen")
	}
	// Dialling again goes straight to the group's menu.
	out.Reset()
	if err := dial(context.Background(), d, nil, strings.NewReader("2\n"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Savings: KES 0.00") {
		t.Fatalf("balance screen missing:\n%s", out.String())
	}
	// A wrong token is refused.
	d.token = "wrong"
	if err := dial(context.Background(), d, nil, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v", err)
	}
}
