package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kikundi/kikundi/internal/database"
)

var errNotLocal = errors.New("refusing to drop a database that is not on this machine")

// prepareDevDatabase makes sure the database named by dsn exists, creating it when it
// does not; with fresh it drops it first. It works through the server's maintenance
// database, postgres, since a database cannot drop itself.
func prepareDevDatabase(ctx context.Context, dsn string, fresh bool, out io.Writer) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("parse KIKUNDI_DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || name == "postgres" {
		return fmt.Errorf("KIKUNDI_DATABASE_URL %s names no database of its own", database.RedactURL(dsn))
	}
	if fresh && !isLocal(u) {
		return fmt.Errorf("%w: %s", errNotLocal, database.RedactURL(dsn))
	}

	maint := *u
	maint.Path = "/postgres"
	admin, err := database.OpenPostgres(ctx, maint.String(), database.PostgresOptions{MaxOpenConns: 1})
	if err != nil {
		return fmt.Errorf("%w %s", err, servicesHint)
	}
	defer func() { _ = database.ClosePostgres(admin) }()

	quoted := pgx.Identifier{name}.Sanitize()
	if fresh {
		if err := admin.WithContext(ctx).Exec("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)").Error; err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		fmt.Fprintf(out, "dropped database %s\n", name)
	}
	var exists bool
	if err := admin.WithContext(ctx).Raw("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists).Error; err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if err := admin.WithContext(ctx).Exec("CREATE DATABASE " + quoted).Error; err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	fmt.Fprintf(out, "created database %s\n", name)
	return nil
}

// isLocal reports whether the URL's server is on this machine: a loopback address or a
// Unix socket (no host, or a host parameter that is a directory).
func isLocal(u *url.URL) bool {
	host := u.Hostname()
	if h := u.Query().Get("host"); h != "" {
		host = h
	}
	if host == "" || strings.HasPrefix(host, "/") || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
