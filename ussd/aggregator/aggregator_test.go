package aggregator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/ussd/hop"
)

// fakeEngine records every request and answers with resp, err or a panic.
type fakeEngine struct {
	mu    sync.Mutex
	reqs  []hop.Request
	resp  hop.Response
	err   error
	panic any
}

func (f *fakeEngine) Hop(_ context.Context, r hop.Request) (hop.Response, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	if f.panic != nil {
		panic(f.panic)
	}
	return f.resp, f.err
}

func (f *fakeEngine) calls() []hop.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]hop.Request(nil), f.reqs...)
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type harness struct {
	app    *fiber.App
	engine *fakeEngine
	logs   *syncBuffer
}

// newHarness mounts the adapters the way the server does, under /hooks, on an app
// without Fiber's recover middleware: the adapters must protect themselves.
func newHarness(t *testing.T, events EventStore) *harness {
	t.Helper()
	h := &harness{
		app:    fiber.New(fiber.Config{DisableStartupMessage: true}),
		engine: &fakeEngine{resp: hop.Response{Text: "Karibu\n1. Michango"}},
		logs:   &syncBuffer{},
	}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	Mount(h.app.Group("/hooks"), h.engine, events, logger)
	return h
}

type reply struct {
	status      int
	contentType string
	body        string
}

func (h *harness) do(t *testing.T, req *http.Request) reply {
	t.Helper()
	res, err := h.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return reply{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), body: string(b)}
}

func TestClean(t *testing.T) {
	tests := map[string]string{
		"":                   "",
		"1*2*500":            "1*2*500",
		"1\x00*2\r\n":        "1*2",
		"\x1b[31m1":          "[31m1",
		"1\u200b2":           "12", // zero-width space: a format character
		"\xff\xfe1":          "1",  // invalid UTF-8
		"Jina la Mwanachama": "Jina la Mwanachama",
		"1\t2\x7f":           "12",
		"****":               "****",
	}
	for in, want := range tests {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	got := redact(`engine: pin "4826" refused for path 1*500*4826`, "1*500*4826")
	if strings.Contains(got, "4826") {
		t.Errorf("redact left the PIN in %q", got)
	}
	if want := "engine: pin \"[input]\" refused for path [input]"; got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
}

// TestLogsNeverHoldPIN sends a PIN through every adapter and every path that logs (a
// normal hop, an engine error that quotes the input, a panic that does) and checks that
// the log never shows it.
func TestLogsNeverHoldPIN(t *testing.T) {
	const pinPath = "1*500*4826"
	engines := map[string]func(*fakeEngine){
		"ok":    func(*fakeEngine) {},
		"error": func(f *fakeEngine) { f.err = errors.New("confirm: wrong pin 4826 in 1*500*4826") },
		"panic": func(f *fakeEngine) { f.panic = "cannot parse 4826" },
	}
	hops := map[string]func() *http.Request{
		"at": func() *http.Request {
			return atRequest(map[string]string{"sessionId": "ATUid_1", "phoneNumber": "+254711000111", "serviceCode": "*384*12#", "text": pinPath})
		},
		"hubtel": func() *http.Request {
			return hubtelRequestBody(`{"SessionId":"h1","Mobile":"254711000111","ServiceCode":"*384*12#","Type":"Response","Message":"4826"}`)
		},
		"hubtel shortcut": func() *http.Request {
			return hubtelRequestBody(`{"SessionId":"h2","Mobile":"254711000111","ServiceCode":"*384*12#","Type":"Initiation","Message":"*384*12*1*500*4826#"}`)
		},
		"gateway": func() *http.Request {
			return gatewayRequest(map[string]string{"session_id": "g1", "msisdn": "0711000111", "service_code": "*384*12#", "ussd_string": "384*12*" + pinPath})
		},
	}
	for en, setup := range engines {
		for hn, mk := range hops {
			t.Run(en+"/"+hn, func(t *testing.T) {
				h := newHarness(t, nil)
				setup(h.engine)
				r := h.do(t, mk())
				if r.status != http.StatusOK {
					t.Fatalf("status %d, body %q", r.status, r.body)
				}
				logs := h.logs.String()
				if strings.Contains(logs, "4826") {
					t.Errorf("the PIN reached the logs:\n%s", logs)
				}
				if !strings.Contains(logs, "+254711***111") {
					t.Errorf("the log does not name the masked phone:\n%s", logs)
				}
				if strings.Contains(logs, "711000111") {
					t.Errorf("the log holds the unmasked phone:\n%s", logs)
				}
			})
		}
	}
}

func TestLogLineFields(t *testing.T) {
	h := newHarness(t, nil)
	h.do(t, atRequest(map[string]string{"sessionId": "ATUid_9", "phoneNumber": "+254711000111", "text": "1*2*3"}))
	logs := h.logs.String()
	for _, want := range []string{"msg=\"ussd hop\"", "session=ATUid_9", "phone=+254711***111", "hops=3", "latency="} {
		if !strings.Contains(logs, want) {
			t.Errorf("log line lacks %q:\n%s", want, logs)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "1*2*500", "1\x00*2\r\n", "\xff", "1\u200b2", "Ñ*😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := clean(s)
		if len(got) > len(s) {
			t.Fatalf("clean(%q) = %q grew", s, got)
		}
		if clean(got) != got {
			t.Fatalf("clean is not idempotent on %q", s)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || r == 0xfffd && !strings.ContainsRune(s, 0xfffd) {
				t.Fatalf("clean(%q) = %q keeps %U", s, got, r)
			}
		}
	})
}
