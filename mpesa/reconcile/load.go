package reconcile

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Header is the first line of an organisation statement, column by column.
var Header = []string{"Receipt No.", "Completion Time", "Details", "Transaction Status", "Paid In", "Withdrawn", "Balance"}

// TimeLayout is how a statement writes Completion Time, in Nairobi time.
const TimeLayout = "2006-01-02 15:04:05"

// StatusCompleted is the Transaction Status of a line that moved money; only those are
// compared with the books.
const StatusCompleted = "Completed"

// progressEvery is how many lines pass between two calls of Load's progress function.
const progressEvery = 10_000

var (
	// ErrHeader means the file is not an organisation statement in the expected layout.
	ErrHeader = errors.New("not an M-Pesa organisation statement")
	// ErrUnknownRun means no statement run has the id given.
	ErrUnknownRun = errors.New("unknown statement run")
	// ErrLinesGone means a run's lines are no longer loaded: already matched and dropped,
	// or emptied by a database crash (the table is unlogged). Load the statement again.
	ErrLinesGone = errors.New("statement lines no longer loaded")
	// ErrNoPlatformBook means the books have no platform book to reconcile against.
	ErrNoPlatformBook = errors.New("no platform book")
)

// LineError is a statement line that cannot be read. Line counts from 1, the header.
type LineError struct {
	Line   int
	Column string // empty when the line as a whole is wrong
	Value  string
	Reason string
	Err    error // the parser's own error, if any
}

var _ error = (*LineError)(nil)

func (e *LineError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("statement line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("statement line %d: %s %q: %s", e.Line, e.Column, e.Value, e.Reason)
}

func (e *LineError) Unwrap() error { return e.Err }

// lineColumns are mpesa_statement_lines' columns in the order Load sends them.
var lineColumns = []string{"run_id", "receipt", "completion_time", "details", "status", "paid_in", "withdrawn", "balance"}

// Load streams the statement in r into a new statement run and returns the run's id. The
// whole file goes in one COPY inside one transaction: a wrong header or a malformed line
// leaves nothing behind, and the file is never held in memory. progress, if not nil, is
// called every 10,000 lines and once at the end with the lines loaded so far; it may be
// called from another goroutine than Load's, never from two at once.
func Load(ctx context.Context, db *gorm.DB, r io.Reader, source string, progress func(lines int64)) (int64, error) {
	if progress == nil {
		progress = func(int64) {}
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = len(Header)
	if err := readHeader(cr); err != nil {
		return 0, err
	}

	sqlDB, err := db.DB()
	if err != nil {
		return 0, fmt.Errorf("load statement: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("load statement: connect: %w", err)
	}
	defer conn.Close()

	src := &lineSource{csv: cr, progress: progress}
	var runID, n int64
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("database driver is %T, not pgx", dc)
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }() // after Commit, a no-op
		if err := tx.QueryRow(ctx, `INSERT INTO mpesa_statement_runs (source) VALUES ($1) RETURNING id`, source).Scan(&runID); err != nil {
			return fmt.Errorf("create run: %w", err)
		}
		src.runID = runID
		n, err = tx.CopyFrom(ctx, pgx.Identifier{"mpesa_statement_lines"}, lineColumns, pgx.CopyFromFunc(src.next))
		if src.err != nil { // the statement's own fault, said plainly rather than as a COPY failure
			return src.err
		}
		if err != nil {
			return fmt.Errorf("copy lines: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE mpesa_statement_runs SET lines = $2 WHERE id = $1`, runID, n); err != nil {
			return fmt.Errorf("count lines: %w", err)
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		var le *LineError
		if errors.As(err, &le) {
			return 0, err
		}
		return 0, fmt.Errorf("load statement: %w", err)
	}
	progress(n)
	return runID, nil
}

// DropLines deletes a run's lines once they have been matched; the run and its report
// stay. mpesa_statement_lines is a working table, not a record.
func DropLines(ctx context.Context, db *gorm.DB, runID int64) error {
	if err := db.WithContext(ctx).Exec(`DELETE FROM mpesa_statement_lines WHERE run_id = ?`, runID).Error; err != nil {
		return fmt.Errorf("drop lines of run %d: %w", runID, err)
	}
	return nil
}

func readHeader(cr *csv.Reader) error {
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the file is empty", ErrHeader)
	}
	if err != nil {
		return fmt.Errorf("%w: the first line is not CSV with %d columns: %v", ErrHeader, len(Header), err)
	}
	got := append([]string(nil), rec...)
	got[0] = strings.TrimPrefix(got[0], "\ufeff") // a byte-order mark, as spreadsheet exports add
	for i := range Header {
		if got[i] != Header[i] {
			return fmt.Errorf("%w: header is %q, want %q", ErrHeader, strings.Join(rec, ","), strings.Join(Header, ","))
		}
	}
	return nil
}

// lineSource turns CSV records into COPY rows. pgx encodes each row before it asks for
// the next, so one row and its numbers are reused throughout.
type lineSource struct {
	csv      *csv.Reader
	progress func(int64)
	runID    int64
	n        int64
	err      error

	row                        [8]any
	paidIn, withdrawn, balance big.Int
}

func (s *lineSource) next() ([]any, error) {
	rec, err := s.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		s.err = csvLineError(err)
		return nil, s.err
	}
	line, _ := s.csv.FieldPos(0)
	if err := s.fill(rec, line); err != nil {
		s.err = err
		return nil, err
	}
	s.n++
	if s.n%progressEvery == 0 {
		s.progress(s.n)
	}
	return s.row[:], nil
}

func csvLineError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &LineError{Line: pe.StartLine, Reason: pe.Err.Error(), Err: err}
	}
	return fmt.Errorf("read statement: %w", err)
}

// fill checks one record and sets s.row from it.
func (s *lineSource) fill(rec []string, line int) error {
	bad := func(col int, reason string) error {
		return &LineError{Line: line, Column: Header[col], Value: rec[col], Reason: reason}
	}
	receipt, status := rec[0], rec[3]
	if !validReceipt(receipt) {
		return bad(0, "want 1 to 32 letters and digits")
	}
	// Parsed as UTC so that the TIMESTAMP column keeps the wall-clock time as written;
	// Match reads it back as Nairobi time.
	at, err := time.ParseInLocation(TimeLayout, rec[1], time.UTC)
	if err != nil {
		return bad(1, "want YYYY-MM-DD HH:MM:SS")
	}
	paidIn, err := parseAmount(&s.paidIn, rec[4], false)
	if err != nil {
		return bad(4, err.Error())
	}
	withdrawn, err := parseAmount(&s.withdrawn, rec[5], false)
	if err != nil {
		return bad(5, err.Error())
	}
	balance, err := parseAmount(&s.balance, rec[6], true)
	if err != nil {
		return bad(6, err.Error())
	}
	switch {
	case paidIn.Valid && withdrawn.Valid:
		return &LineError{Line: line, Reason: "both Paid In and Withdrawn are filled; a line moves money one way"}
	case status == StatusCompleted && !paidIn.Valid && !withdrawn.Valid:
		return &LineError{Line: line, Reason: "a Completed line has neither Paid In nor Withdrawn"}
	}
	s.row = [8]any{s.runID, receipt, at, rec[2], status, paidIn, withdrawn, balance}
	return nil
}

func validReceipt(r string) bool {
	if len(r) == 0 || len(r) > 32 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// errAmount is the reason given for any amount that is not plain digits with at most two
// decimals.
var errAmount = errors.New("want an amount such as 1500 or 1500.00 (no sign, no thousands separator, at most 2 decimals)")

// parseAmount parses a cell of a statement amount column into n: empty is NULL; otherwise
// digits with at most two decimals, positive unless signed is allowed (the balance). It
// is exact: the value becomes cents in an integer, never a float.
func parseAmount(n *big.Int, cell string, signed bool) (pgtype.Numeric, error) {
	if cell == "" {
		return pgtype.Numeric{}, nil
	}
	neg := false
	if signed && cell[0] == '-' {
		neg, cell = true, cell[1:]
	}
	whole, frac, hasPoint := strings.Cut(cell, ".")
	if whole == "" || len(whole) > 16 || (hasPoint && (len(frac) == 0 || len(frac) > 2)) {
		return pgtype.Numeric{}, errAmount
	}
	var cents int64
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return pgtype.Numeric{}, errAmount
			}
			cents = cents*10 + int64(c-'0')
		}
	}
	for range 2 - len(frac) {
		cents *= 10
	}
	if neg {
		cents = -cents
	}
	if !signed && cents == 0 {
		return pgtype.Numeric{}, errors.New("a zero amount is written as an empty cell")
	}
	n.SetInt64(cents)
	return pgtype.Numeric{Int: n, Exp: -2, Valid: true}, nil
}
