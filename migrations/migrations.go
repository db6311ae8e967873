// Package migrations holds Kikundi's hand-written SQL migrations, embedded in the binary,
// and applies them with goose. The SQL is the point: the constraints and triggers in these
// files are what keep the books honest even against a session in psql.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io"
	"time"

	"github.com/pressly/goose/v3"
)

// FS holds every migration, named NNNNN_what.sql.
//
//go:embed *.sql
var FS embed.FS

// provider builds a goose provider over FS for db. Goose keeps its own version table
// (goose_db_version), so running Up twice is a no-op.
func provider(db *sql.DB, _ io.Writer) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, db, FS)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Up applies every pending migration, one line each to out when it is not nil.
func Up(ctx context.Context, db *sql.DB, out io.Writer) error {
	p, err := provider(db, out)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	report(out, res)
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	if out != nil && len(res) == 0 {
		fmt.Fprintln(out, "migrations: up to date")
	}
	return nil
}

func report(out io.Writer, res []*goose.MigrationResult) {
	if out == nil {
		return
	}
	for _, r := range res {
		fmt.Fprintf(out, "migrations: %s %s (%s)\n", r.Direction, r.Source.Path, r.Duration.Round(time.Millisecond))
	}
}

// Down rolls back the most recent migration.
func Down(ctx context.Context, db *sql.DB, out io.Writer) error {
	p, err := provider(db, out)
	if err != nil {
		return err
	}
	res, err := p.Down(ctx)
	if res != nil {
		report(out, []*goose.MigrationResult{res})
	}
	if err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// Status writes one line per migration: its version, name and whether it is applied.
func Status(ctx context.Context, db *sql.DB, out io.Writer) error {
	p, err := provider(db, nil)
	if err != nil {
		return err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	for _, s := range st {
		applied := "pending"
		if s.State == goose.StateApplied {
			applied = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(out, "%05d  %-40s %s\n", s.Source.Version, s.Source.Path, applied)
	}
	return nil
}
