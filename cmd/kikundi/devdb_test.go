package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/internal/dbtest"
)

func TestPrepareDevDatabaseFresh(t *testing.T) {
	ctx := context.Background()
	_, dsn := dbtest.PostgresURL(t) // migrated; dbtest drops whatever has this name at the end

	var out bytes.Buffer
	if err := prepareDevDatabase(ctx, dsn, false, &out); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("an existing database was touched: %q", out.String())
	}

	if err := prepareDevDatabase(ctx, dsn, true, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dropped database kt_") || !strings.Contains(out.String(), "created database kt_") {
		t.Errorf("output %q", out.String())
	}
	db, err := database.OpenPostgres(ctx, dsn, database.PostgresOptions{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer database.ClosePostgres(db)
	var tables int64
	if err := db.Raw(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("fresh database has %d tables, want none", tables)
	}
}

func TestPrepareDevDatabaseRefusesRemoteDrop(t *testing.T) {
	err := prepareDevDatabase(context.Background(), "postgres://kikundi:pw@db.example.com:5432/kikundi", true, &bytes.Buffer{})
	if !errors.Is(err, errNotLocal) {
		t.Fatalf("err = %v, want errNotLocal", err)
	}
	if strings.Contains(err.Error(), ":pw@") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestIsLocal(t *testing.T) {
	tests := map[string]bool{
		"postgres://postgres@127.0.0.1:5432/kikundi":         true,
		"postgres://postgres@localhost/kikundi":              true,
		"postgres://postgres@[::1]:5432/kikundi":             true,
		"postgres:///kikundi?host=/var/run/postgresql":       true,
		"postgres://postgres@10.0.0.5/kikundi":               false,
		"postgres://postgres@db.example.com/kikundi":         false,
		"postgres://postgres@127.0.0.1/kikundi?host=db.prod": false,
	}
	for raw, want := range tests {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := isLocal(u); got != want {
			t.Errorf("isLocal(%s) = %v, want %v", raw, got, want)
		}
	}
}
