package main

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// floor is the cheapest hop that still has the shape the issue asks of a real one:
// read the session from Redis, read one row from Postgres (a prepared primary-key
// SELECT, no ORM), write the session back, answer a constant screen. No menu, no
// parsing, no JSON, no logging. Its throughput is the ceiling any real hop on this
// machine can approach, so the bench prints it beside the bare endpoint and the real
// hops: the distance between floor and bare is the price of the round trips themselves.
type floor struct {
	rdb    redis.UniversalClient
	prefix string
	read   *sql.Stmt
}

func newFloor(ctx context.Context, db *gorm.DB, rdb redis.UniversalClient, prefix string) (*floor, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	read, err := sqlDB.PrepareContext(ctx, `SELECT balance FROM ledger_accounts WHERE id = $1`)
	if err != nil {
		return nil, err
	}
	return &floor{rdb: rdb, prefix: prefix, read: read}, nil
}

func (f *floor) close() { _ = f.read.Close() }

// hop is the floor hop; sessionOnly leaves out the database read, for comparison with
// session-only menu libraries.
func (f *floor) hop(c *fiber.Ctx) error { return f.serve(c, true) }

func (f *floor) sessionOnly(c *fiber.Ctx) error { return f.serve(c, false) }

func (f *floor) serve(c *fiber.Ctx, read bool) error {
	ctx := c.UserContext()
	key := f.prefix + "floor:" + c.FormValue("sessionId")
	state, err := f.rdb.Get(ctx, key).Bytes()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	if read {
		var balance string
		if err := f.read.QueryRowContext(ctx, 1).Scan(&balance); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	state = append(state[:0:0], c.FormValue("text")...)
	if err := f.rdb.Set(ctx, key, state, 200*time.Second).Err(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain")
	return c.SendString(bareScreen)
}
