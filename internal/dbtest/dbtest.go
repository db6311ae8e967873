// Package dbtest gives each test its own Postgres database, cloned from a migrated
// template, and its own Redis key space, both removed when the test ends. Tests talk to
// real services: when one is unreachable the test fails with the command that starts it,
// never skips.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/migrations"
)

const (
	defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultRedisURL = "redis://127.0.0.1:6379/0"
	// templateLock serialises template creation across test binaries (go test runs
	// packages in parallel processes).
	templateLock = 0x6b696b75 // "kiku"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// AdminURL is the maintenance database tests connect to in order to create and drop
// their own: KIKUNDI_TEST_DATABASE_URL, or postgres on 127.0.0.1.
func AdminURL() string {
	if u := os.Getenv("KIKUNDI_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultAdminURL
}

// Postgres returns a connection to a new, fully migrated database that only this test
// uses. It is dropped when the test ends.
func Postgres(t testing.TB) *gorm.DB {
	t.Helper()
	db, _ := PostgresURL(t)
	return db
}

// PostgresURL is Postgres that also returns the new database's URL, for code under test
// that opens its own connections.
func PostgresURL(t testing.TB) (*gorm.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("test database template: %v\n(is Postgres running? `make test` installs and starts it)", templateErr)
	}

	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	defer admin.Close()

	name := "kt_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateName)); err != nil {
		t.Fatalf("create test database from %s: %v", templateName, err)
	}
	dbURL := database.WithName(AdminURL(), name)
	db, err := database.OpenPostgres(ctx, dbURL, database.PostgresOptions{MaxOpenConns: 24})
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(func() {
		_ = database.ClosePostgres(db)
		dropDatabase(name)
	})
	return db, dbURL
}

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
}

// ensureTemplate creates, once per set of migrations, a database with every migration
// applied and marks it a template. Its name carries a hash of the migration files, so a
// changed migration gets a fresh template and a stale one is never reused.
func ensureTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "kikundi_tpl_" + sum[:12]

	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx) // the advisory lock belongs to one session
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", database.RedactURL(AdminURL()), err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", fmt.Errorf("lock template: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, templateLock) //nolint:errcheck

	var ready bool
	err = conn.QueryRowContext(ctx, `SELECT datistemplate FROM pg_database WHERE datname = $1`, name).Scan(&ready)
	if err == nil && ready {
		dropStaleTemplates(ctx, conn, name)
		return name, nil
	}
	// Absent, or left half-built by an interrupted run.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
		return "", fmt.Errorf("drop stale template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	tpl, err := sql.Open("pgx", database.WithName(AdminURL(), name))
	if err != nil {
		return "", err
	}
	err = migrations.Up(ctx, tpl, nil)
	tpl.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH IS_TEMPLATE true`, name)); err != nil {
		return "", fmt.Errorf("mark template: %w", err)
	}
	dropStaleTemplates(ctx, conn, name)
	return name, nil
}

// dropStaleTemplates removes templates built from earlier migrations, so that changing a
// migration does not leave a database behind each time. One still in use by a test run of
// an older checkout is left alone (no FORCE); the next run removes it.
func dropStaleTemplates(ctx context.Context, conn *sql.Conn, current string) {
	rows, err := conn.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'kikundi\_tpl\_%' AND datname <> $1`, current)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			stale = append(stale, n)
		}
	}
	rows.Close()
	for _, n := range stale {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH IS_TEMPLATE false`, n)); err == nil {
			_, _ = conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s`, n))
		}
	}
}

func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Redis returns a client and a key prefix that only this test uses; every key under the
// prefix is deleted when the test ends. Code under test must put all its keys under the
// prefix.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	raw := os.Getenv("KIKUNDI_TEST_REDIS_URL")
	if raw == "" {
		raw = defaultRedisURL
	}
	c, err := database.OpenRedis(context.Background(), raw)
	if err != nil {
		t.Fatalf("%v\n(is Redis running? `make test` installs and starts it)", err)
	}
	prefix := "test:" + sanitize(t.Name()) + ":" + randomHex(4) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		_ = c.Close()
	})
	return c, prefix
}

// RedisURL is the Redis tests use.
func RedisURL() string {
	if raw := os.Getenv("KIKUNDI_TEST_REDIS_URL"); raw != "" {
		return raw
	}
	return defaultRedisURL
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, s)
}
