// Package database opens Kikundi's connections to Postgres (through GORM on pgx) and
// Redis, with pool sizes and time-outs chosen for a small service, and answers whether
// they are reachable.
package database

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PostgresOptions tunes the pool; the zero value is a sensible default.
type PostgresOptions struct {
	MaxOpenConns int // default 20
	MaxIdleConns int // default MaxOpenConns
}

// OpenPostgres connects to the database at dsn and checks it answers within 5 seconds.
// GORM's own logging is off: queries may carry phone numbers, and errors are logged once,
// by whoever handles them.
func OpenPostgres(ctx context.Context, dsn string, opt PostgresOptions) (*gorm.DB, error) {
	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // single statements need no BEGIN/COMMIT round trips
		TranslateError:         false,
	})
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", RedactURL(dsn), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if opt.MaxOpenConns == 0 {
		opt.MaxOpenConns = 20
	}
	if opt.MaxIdleConns == 0 {
		opt.MaxIdleConns = opt.MaxOpenConns
	}
	sqlDB.SetMaxOpenConns(opt.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opt.MaxIdleConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)

	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("reach postgres at %s: %w", RedactURL(dsn), err)
	}
	return db, nil
}

// ClosePostgres closes the pool under db.
func ClosePostgres(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// PingPostgres reports whether Postgres answers a trivial query.
func PingPostgres(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// RedactURL hides the password of a connection URL so it can be logged.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// WithName returns the connection URL raw pointed at database name on the same server.
func WithName(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}
