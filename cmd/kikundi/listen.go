package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// errStoppedServing is the HTTP server stopping without being asked to.
var errStoppedServing = errors.New("http server stopped serving")

func unexpectedStop(err error) error {
	if err == nil {
		return errStoppedServing
	}
	return fmt.Errorf("%w: %w", errStoppedServing, err)
}

// httpServer is an app serving on a listener until shutdown.
type httpServer struct {
	app  *fiber.App
	addr string     // the address actually bound, so a :0 port is known
	done chan error // receives the serving error, or nil after shutdown
}

// startHTTP binds addr before returning, so an address in use is an error here, and
// serves in the background.
func startHTTP(app *fiber.App, addr string, logger *slog.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (KIKUNDI_HTTP_ADDR): %w", addr, err)
	}
	h := &httpServer{app: app, addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() { h.done <- app.Listener(ln) }()
	logger.Info("http server listening", "addr", h.addr)
	return h, nil
}

// shutdown stops accepting connections and lets in-flight requests finish, for at most
// timeout.
func (h *httpServer) shutdown(timeout time.Duration) error {
	err := h.app.ShutdownWithTimeout(timeout)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("http requests still running after %s: %w", timeout, err)
	}
	if err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	if err := <-h.done; err != nil {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}
