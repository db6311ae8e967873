package database

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Recreate drops the database name on the server of baseURL, if it exists, and creates
// it empty: for benchmarks and load runs that work in a database of their own. name is a
// fixed identifier chosen by the program, never user input.
func Recreate(ctx context.Context, baseURL, name string) error {
	admin, err := sql.Open("pgx", WithName(baseURL, "postgres"))
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

// Drop removes the database name, closing its connections first.
func Drop(baseURL, name string) {
	admin, err := sql.Open("pgx", WithName(baseURL, "postgres"))
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
}
