package main

import (
	"context"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/kikundi/kikundi/internal/config"
	"github.com/kikundi/kikundi/internal/httpserver"
	"github.com/kikundi/kikundi/internal/metrics"
	"github.com/kikundi/kikundi/sms"
	"github.com/kikundi/kikundi/ussd/aggregator"
)

func runServe(ctx context.Context, e env, args []string) error {
	f := newFlags("serve", "", "Runs the HTTP server (webhooks, health, metrics) until SIGINT or SIGTERM.")
	if err := f.noArgs(args, e.stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(e.getenv, config.RoleServe)
	if err != nil {
		return err
	}
	logger := newLogger(e, cfg, "serve")
	st, err := openStores(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.close(logger)

	d, err := newDomain(ctx, cfg, st, logger, nil)
	if err != nil {
		return err
	}
	defer d.close()
	h, err := startHTTP(newApp(cfg, st, d, logger, metrics.New()), cfg.HTTPAddr, logger)
	if err != nil {
		return err
	}
	select {
	case err := <-h.done:
		return unexpectedStop(err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "within", cfg.ShutdownTimeout)
	if err := h.shutdown(cfg.ShutdownTimeout); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// newApp is the HTTP app of serve and dev; domain routes are mounted here, every webhook
// behind the hook token.
func newApp(cfg config.Config, st *stores, d *domain, logger *slog.Logger, m *metrics.Metrics) *fiber.App {
	app := httpserver.New(httpserver.Options{Logger: logger, Metrics: m, DB: st.db, Redis: st.redis})
	hooks := app.Group("/hooks", httpserver.RequireHookToken(cfg.HookToken))
	aggregator.Mount(hooks, d.ussd, aggregator.NewPostgresEventStore(st.db), logger)
	sms.MountReports(hooks, d.outbox, logger)
	sms.NewInbox(st.db, d.groups, d.outbox, cfg.USSDCode, logger).Mount(hooks)
	if d.payments != nil {
		d.payments.Mount(app.Group("/hooks/daraja", httpserver.RequireHookToken(cfg.HookToken)), knownGroup(d.groups))
	}
	return app
}
