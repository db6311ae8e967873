package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/kikundi/kikundi/internal/config"
	"github.com/kikundi/kikundi/internal/metrics"
	"github.com/kikundi/kikundi/internal/simswap"
	"github.com/kikundi/kikundi/migrations"
	"github.com/kikundi/kikundi/sms"
)

func runDev(ctx context.Context, e env, args []string) error {
	f := newFlags("dev", "[--fresh]",
		"Migrates and seeds the dev database, then serves HTTP and runs the workers and the\nscheduler in one process until SIGINT or SIGTERM.")
	fresh := f.Bool("fresh", false, "drop and recreate the dev database first (a local database only)")
	if err := f.noArgs(args, e.stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(e.getenv, config.RoleDev)
	if err != nil {
		return err
	}
	logger := newLogger(e, cfg, "dev")

	if err := prepareDevDatabase(ctx, cfg.DatabaseURL, *fresh, e.stdout); err != nil {
		return err
	}
	st, err := openStores(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.close(logger)
	sqlDB, err := st.db.DB()
	if err != nil {
		return fmt.Errorf("migrate dev database: %w", err)
	}
	// Quietly: goose's verbose output is every statement of every migration.
	if err := migrations.Up(ctx, sqlDB, nil); err != nil {
		return err
	}
	logger.Info("dev database migrated")
	if err := seedDemo(ctx, st.db); err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}

	simHTTP, simulator, err := startSimulator(cfg, logger)
	if err != nil {
		return err
	}
	defer simulator.Close()
	defer func() { _ = simHTTP.shutdown(cfg.ShutdownTimeout) }()
	d, err := newDomain(ctx, cfg, st, logger, simulator.CertificatePEM())
	if err != nil {
		return err
	}
	defer d.close()

	app := newApp(cfg, st, d, logger, metrics.New())
	sms.MountSandbox(app, d.outbox)                   // development only: what the sandbox "sent"
	simswap.MountDev(app, simswap.Sandbox{DB: st.db}) // development only: a telco reporting a SIM swap
	h, err := startHTTP(app, cfg.HTTPAddr, logger)
	if err != nil {
		return err
	}
	stopWorkers, err := startWorkers(cfg, st.db, d, logger)
	if err != nil {
		_ = h.shutdown(cfg.ShutdownTimeout)
		return err
	}
	// The simulator calls back the server that is now listening, for paybill payments too.
	if err := d.payments.RegisterC2B(ctx); err != nil {
		logger.Warn("register C2B URLs with the simulator", "error", err)
	}
	payDemoContributions(ctx, st.db, simHTTP.addr, logger)
	if err := printDemo(ctx, st.db, e.stdout); err != nil {
		logger.Warn("print the demo group", "error", err)
	}
	printDevBanner(e.stdout, cfg, h.addr, simHTTP.addr)

	var serveErr error
	select {
	case err := <-h.done:
		serveErr = unexpectedStop(err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "within", cfg.ShutdownTimeout)
	// HTTP and workers drain side by side, so the whole stop takes one time-out.
	var wg sync.WaitGroup
	wg.Go(stopWorkers)
	if serveErr == nil {
		serveErr = h.shutdown(cfg.ShutdownTimeout)
	}
	wg.Wait()
	logger.Info("stopped")
	return serveErr
}

func printDevBanner(w io.Writer, cfg config.Config, addr, simAddr string) {
	base := "http://" + addr
	token := "dev"
	if cfg.HookToken != "dev" {
		token = "(from KIKUNDI_HOOK_TOKEN)"
	}
	fmt.Fprintf(w, `
Kikundi dev is running.
  HTTP         %[1]s
  health       %[1]s/healthz
  readiness    %[1]s/readyz
  metrics      %[1]s/metrics
  USSD code    %[2]s
  hook token   %[3]s (webhooks carry it as ?token=)
  M-Pesa       http://%[4]s (the Daraja simulator; control API under /simulator/,
               statement at /simulator/statement.csv)
  SMS sandbox  %[1]s/dev/sms?phone=+254711000001
  a phone      bin/kikundi dial --phone 0711000005   (PIN 2580)
Ctrl-C stops everything.
`, base, cfg.USSDCode, token, simAddr)
}
