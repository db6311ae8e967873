package chama

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
)

// isUniqueViolation reports a unique index deciding that a row already exists.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

func decimalMin(a, b decimal.Decimal) decimal.Decimal {
	if a.LessThan(b) {
		return a
	}
	return b
}
