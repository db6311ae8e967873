package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/config"
	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/internal/logging"
)

// servicesHint ends the error of an unreachable Postgres or Redis with what to do.
const servicesHint = "(`make services` installs, starts and sets up Postgres and Redis; `make run` does that and starts kikundi dev)"

// loadConfig reads the configuration and checks it for role; `dev` gets its defaults
// first.
func loadConfig(getenv func(string) string, role string) (config.Config, error) {
	cfg, err := config.LoadFrom(getenv)
	if err != nil {
		return config.Config{}, err
	}
	if role == config.RoleDev {
		cfg.Dev()
	}
	if err := cfg.Validate(role); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// newLogger builds the process's logger and logs the start of command with the whole
// configuration, secrets masked.
func newLogger(e env, cfg config.Config, command string) *slog.Logger {
	logger := logging.New(e.stderr, cfg.LogFormat)
	logger.Info("kikundi starting", "command", command, "config", cfg)
	return logger
}

func openPostgres(ctx context.Context, cfg config.Config) (*gorm.DB, error) {
	db, err := database.OpenPostgres(ctx, cfg.DatabaseURL, database.PostgresOptions{})
	if err != nil {
		return nil, fmt.Errorf("%w %s", err, servicesHint)
	}
	return db, nil
}

func openRedis(ctx context.Context, cfg config.Config) (*redis.Client, error) {
	rdb, err := database.OpenRedis(ctx, cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("%w %s", err, servicesHint)
	}
	return rdb, nil
}

// stores are the connections a long-running command shares.
type stores struct {
	db    *gorm.DB
	redis *redis.Client
}

// openStores connects to Postgres and Redis, and fails naming whichever is unreachable.
func openStores(ctx context.Context, cfg config.Config) (*stores, error) {
	db, err := openPostgres(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rdb, err := openRedis(ctx, cfg)
	if err != nil {
		_ = database.ClosePostgres(db)
		return nil, err
	}
	return &stores{db: db, redis: rdb}, nil
}

func (s *stores) close(logger *slog.Logger) {
	if err := database.ClosePostgres(s.db); err != nil {
		logger.Warn("close postgres", "error", err)
	}
	if err := s.redis.Close(); err != nil {
		logger.Warn("close redis", "error", err)
	}
}

// asynqRedis is the Redis of cfg as Asynq wants it; Asynq keeps its own pool.
func asynqRedis(cfg config.Config) (asynq.RedisConnOpt, error) {
	opt, err := asynq.ParseRedisURI(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("parse KIKUNDI_REDIS_URL %s: %w", database.RedactURL(cfg.RedisURL), err)
	}
	return opt, nil
}
