package httpserver

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/kikundi/kikundi/internal/metrics"
)

// accessLog writes one line per request. It names the route template, never the path
// or query: hooks carry ?token= and USSD gateways put the member's answers, PINs
// included, in the query. It hands an error to the app's error handler itself, so the
// line carries the status the client got.
func accessLog(logger *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				c.Status(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		attrs := []slog.Attr{
			slog.String("method", c.Method()),
			slog.String("route", metrics.RouteLabel(c)),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", RequestID(c)),
		}
		level := slog.LevelInfo
		if status >= fiber.StatusInternalServerError {
			level = slog.LevelError
			if err != nil {
				attrs = append(attrs, slog.String("error", err.Error()))
			}
		}
		logger.LogAttrs(c.UserContext(), level, "http request", attrs...)
		return nil
	}
}

// recoverPanics turns a panic into a 500 for the client and a log line with the stack
// for us.
func recoverPanics(logger *slog.Logger) fiber.Handler {
	return recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			logger.Error("panic serving request",
				"route", c.Route().Path,
				"request_id", RequestID(c),
				"panic", fmt.Sprint(e),
				"stack", string(debug.Stack()),
			)
		},
	})
}
