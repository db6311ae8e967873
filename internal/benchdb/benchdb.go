// Package benchdb gives a load generator a migrated database of its own on the server
// of KIKUNDI_DATABASE_URL, recreated empty at the start and dropped at the end, so a
// benchmark never touches the dev or test databases.
package benchdb

import (
	"context"
	"os"

	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/migrations"
)

// Env is a setting from the environment, or def.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Open recreates the database name, migrates it, and returns it with the function that
// closes it and (unless keep) drops it.
func Open(ctx context.Context, name string, maxConns int, keep bool) (*gorm.DB, func(), error) {
	base := Env("KIKUNDI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kikundi?sslmode=disable")
	if err := database.Recreate(ctx, base, name); err != nil {
		return nil, nil, err
	}
	drop := func() {
		if !keep {
			database.Drop(base, name)
		}
	}
	db, err := database.OpenPostgres(ctx, database.WithName(base, name), database.PostgresOptions{MaxOpenConns: maxConns})
	if err != nil {
		drop()
		return nil, nil, err
	}
	done := func() { _ = database.ClosePostgres(db); drop() }
	sqlDB, err := db.DB()
	if err == nil {
		err = migrations.Up(ctx, sqlDB, nil)
	}
	if err != nil {
		done()
		return nil, nil, err
	}
	return db, done, nil
}
