// Package httpserver owns Kikundi's Fiber app up to the point where domain routes are
// mounted: the middleware every request passes (recover, request id, access log,
// metrics), the one place errors become HTTP statuses and JSON bodies, the operational
// endpoints (/healthz, /readyz, /metrics), and the hook-token check every inbound webhook
// sits behind.
package httpserver

import (
	"errors"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/metrics"
)

// Options are what the app needs from its process. Logger and Metrics default to
// slog.Default() and a fresh registry; DB and Redis are what /readyz checks, and a nil
// one makes the process not ready.
type Options struct {
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	DB      *gorm.DB
	Redis   redis.UniversalClient
}

// Time-outs that keep a slow or idle client from holding a connection. Aggregators
// expect a USSD reply within a few seconds, so nothing legitimate comes near them.
const (
	readTimeout  = 10 * time.Second
	writeTimeout = 10 * time.Second
	idleTimeout  = 60 * time.Second
	bodyLimit    = 1 << 20 // webhooks are a few kilobytes
)

// New builds the app with its middleware and operational endpoints; callers mount their
// routes on it. Middleware order matters: the request id comes first so every log line
// has it; the access log sits outside the metrics and recover so it sees the final
// status of a request that failed or panicked.
func New(opts Options) *fiber.App {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	app := fiber.New(fiber.Config{
		AppName:               "kikundi",
		DisableStartupMessage: true,
		ErrorHandler:          errorHandler,
		ReadTimeout:           readTimeout,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           idleTimeout,
		BodyLimit:             bodyLimit,
	})
	app.Use(requestID)
	app.Use(accessLog(opts.Logger))
	app.Use(opts.Metrics.Middleware())
	app.Use(recoverPanics(opts.Logger))

	app.Get("/healthz", healthz)
	app.Get("/readyz", readyz(opts.DB, opts.Redis, opts.Logger))
	app.Get("/metrics", opts.Metrics.Handler())
	return app
}

// errorHandler is the one place an error becomes a response: a *fiber.Error keeps its
// status and message; anything else is a 500 whose message says nothing about the
// cause (the access log records it).
func errorHandler(c *fiber.Ctx, err error) error {
	code, msg := fiber.StatusInternalServerError, "internal server error"
	if fe, ok := errors.AsType[*fiber.Error](err); ok {
		code, msg = fe.Code, fe.Message
	}
	return c.Status(code).JSON(fiber.Map{"error": msg})
}
