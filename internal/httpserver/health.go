package httpserver

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/database"
)

// readyTimeout bounds each dependency check, so a hung Postgres makes /readyz answer
// 503 quickly rather than time out the prober.
const readyTimeout = 2 * time.Second

var errNotConfigured = errors.New("not configured")

// healthz says the process is up and serving; it checks nothing else, so an orchestrator
// does not restart a healthy process because Postgres is down.
func healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether the process can do its work: Postgres and Redis both answer. The
// body names each dependency with "ok" or "unavailable"; why it is unavailable goes to
// the log, not to whoever is probing.
func readyz(db *gorm.DB, rdb redis.UniversalClient, logger *slog.Logger) fiber.Handler {
	checks := map[string]func(context.Context) error{
		"postgres": func(ctx context.Context) error {
			if db == nil {
				return errNotConfigured
			}
			return database.PingPostgres(ctx, db)
		},
		"redis": func(ctx context.Context) error {
			if rdb == nil {
				return errNotConfigured
			}
			return rdb.Ping(ctx).Err()
		},
	}
	return func(c *fiber.Ctx) error {
		// The checks run side by side; a fiber.Ctx is not safe to share, so they get
		// what they need from it up front.
		parent, reqID := c.UserContext(), RequestID(c)
		var (
			mu     sync.Mutex
			wg     sync.WaitGroup
			body   = fiber.Map{}
			failed bool
		)
		for name, check := range checks {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(parent, readyTimeout)
				defer cancel()
				err := check(ctx)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed = true
					body[name] = "unavailable"
					logger.Warn("not ready", "dependency", name, "request_id", reqID, "error", err)
					return
				}
				body[name] = "ok"
			})
		}
		wg.Wait()
		if failed {
			c.Status(fiber.StatusServiceUnavailable)
		}
		return c.JSON(body)
	}
}
