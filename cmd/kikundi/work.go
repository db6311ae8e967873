package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/config"
	"github.com/kikundi/kikundi/sms"
	"github.com/kikundi/kikundi/workers"
)

func runWork(ctx context.Context, e env, args []string) error {
	f := newFlags("work", "", "Runs the Asynq workers and the periodic scheduler until SIGINT or SIGTERM.")
	if err := f.noArgs(args, e.stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(e.getenv, config.RoleWork)
	if err != nil {
		return err
	}
	logger := newLogger(e, cfg, "work")
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
	stop, err := startWorkers(cfg, st.db, d, logger)
	if err != nil {
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down", "within", cfg.ShutdownTimeout)
	stop()
	logger.Info("stopped")
	return nil
}

// startWorkers starts the Asynq server and the scheduler. The returned stop ends the
// schedule first, so nothing new is enqueued, then lets running tasks finish for at most
// cfg.ShutdownTimeout.
func startWorkers(cfg config.Config, db *gorm.DB, d *domain, logger *slog.Logger) (stop func(), err error) {
	redisOpt, err := asynqRedis(cfg)
	if err != nil {
		return nil, err
	}
	deps := workers.Deps{Ledger: newLedgerMaintenance(db), Groups: d.groups, Books: d.groups, Logger: logger,
		Messages:  messages{outbox: d.outbox, provider: d.provider},
		Reminders: sms.NewReminders(db, d.outbox, d.queue, time.Now, sms.ReminderOptions{})}
	if d.payments != nil {
		deps.Payments = d.payments
	}
	if cfg.StatementURL != "" {
		deps.Reconciler = statementReconciler{db: db, url: cfg.StatementURL}
	}
	mux, err := workers.NewMux(deps)
	if err != nil {
		return nil, err
	}
	scheduler := workers.NewScheduler(redisOpt, logger)
	if err := workers.Schedule(scheduler); err != nil {
		return nil, err
	}
	srv := workers.NewServer(redisOpt, logger, cfg.ShutdownTimeout)
	if err := srv.Start(mux); err != nil {
		return nil, fmt.Errorf("start workers: %w", err)
	}
	if err := scheduler.Start(); err != nil {
		srv.Shutdown()
		return nil, fmt.Errorf("start scheduler: %w", err)
	}
	logger.Info("workers started")
	return func() {
		scheduler.Shutdown()
		srv.Shutdown()
	}, nil
}
