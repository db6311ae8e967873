package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/migrations"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	f := newFlags("migrate", "up|down|status",
		"up applies every pending migration, down rolls back the latest one, status lists them all.")
	if err := f.parse(args, e.stdout); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return &usageError{msg: "migrate needs exactly one of up, down, status", usage: f.usage}
	}
	action := f.Arg(0)
	apply, ok := map[string]func(context.Context, *sql.DB, io.Writer) error{
		"up":     migrations.Up,
		"down":   migrations.Down,
		"status": migrations.Status,
	}[action]
	if !ok {
		return &usageError{msg: fmt.Sprintf("unknown migrate action %q", action), usage: f.usage}
	}

	cfg, err := loadConfig(e.getenv, "migrate")
	if err != nil {
		return err
	}
	db, err := openPostgres(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = database.ClosePostgres(db) }() // nothing left to lose on a failed close
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("migrate %s: %w", action, err)
	}
	return apply(ctx, sqlDB, e.stdout)
}
