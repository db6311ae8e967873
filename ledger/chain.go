package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Each book's entries form a hash chain: link n's hash covers the entry's full content
// (its postings and running balances included) and link n-1's hash. Changing any stored
// byte of history changes every later hash, and so the book's fingerprint, which members
// can compare by SMS. Entries are queued when written and chained by ChainPending in
// commit order, so posting never waits on a chain head.

const chainVersion = "kikundi-ledger-chain-v1"

var zeroHash = make([]byte, 32)

// chainEntry is what the chain hashes of one entry, read back from the database.
type chainEntry struct {
	ID              int64     `gorm:"column:id"`
	BookID          int64     `gorm:"column:book_id"`
	IdempotencyKey  string    `gorm:"column:idempotency_key"`
	Kind            string    `gorm:"column:kind"`
	Memo            string    `gorm:"column:memo"`
	Refs            string    `gorm:"column:refs"`
	OccurredAt      time.Time `gorm:"column:occurred_at"`
	RecordedAt      time.Time `gorm:"column:recorded_at"`
	ReversesEntryID *int64    `gorm:"column:reverses_entry_id"`
	HoldID          *int64    `gorm:"column:hold_id"`
	Postings        string    `gorm:"column:postings"` // "id,account,currency,amount,balance_after;..." in id order
}

// What the chain hashes of an entry, as columns of ledger_entries e, and its postings as
// one string ("id,account,currency,amount,balance_after;..." in posting order). Both
// queries below build it from these two pieces, so the chainer and verify hash the same
// bytes.
const (
	chainEntryColumns = `e.id, e.book_id, e.idempotency_key, e.kind, e.memo, e.refs::text AS refs,
	       e.occurred_at, e.recorded_at, e.reverses_entry_id, e.hold_id`
	chainPostingsAgg = `string_agg(p.id || ',' || p.account_id || ',' || p.currency || ',' ||
	                               p.amount || ',' || p.balance_after, ';' ORDER BY p.id)`
)

// chainEntriesSQL reads entries one at a time (verify adds WHERE e.id = ...).
const chainEntriesSQL = `SELECT ` + chainEntryColumns + `,
	       coalesce((SELECT ` + chainPostingsAgg + ` FROM ledger_postings p WHERE p.entry_id = e.id), '') AS postings
	FROM ledger_entries e`

// chainBatchSQL reads a batch of entries with one grouped pass over their postings: for a
// chainer's batch of 2,000 it is an order of magnitude faster than a subquery per entry.
const chainBatchSQL = `SELECT ` + chainEntryColumns + `, coalesce(pa.postings, '') AS postings
	FROM ledger_entries e
	LEFT JOIN (SELECT p.entry_id, ` + chainPostingsAgg + ` AS postings
	           FROM ledger_postings p WHERE p.entry_id IN ? GROUP BY p.entry_id) pa ON pa.entry_id = e.id
	WHERE e.id IN ? ORDER BY e.id`

// hashEntry is link n of a chain: sha256(prev || canonical content).
func hashEntry(prev []byte, e chainEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	fmt.Fprintf(h, "%s\nbook=%d\nentry=%d\nkey=%s\nkind=%s\nmemo=%s\nrefs=%s\noccurred=%s\nrecorded=%s\nreverses=%s\nhold=%s\npostings=%s\n",
		chainVersion, e.BookID, e.ID, strconv.Quote(e.IdempotencyKey), e.Kind, strconv.Quote(e.Memo),
		strconv.Quote(e.Refs), pgTime(e.OccurredAt), pgTime(e.RecordedAt),
		optID(e.ReversesEntryID), optID(e.HoldID), e.Postings)
	return h.Sum(nil)
}

func optID(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}

// ChainPending appends up to limit queued entries to their books' chains and returns how
// many it chained. Safe to run from several workers at once. After a crash Postgres
// empties the (unlogged) queue; the missing sentinel row tells this function to queue
// again every entry that is not yet in a chain.
func (l *Ledger) ChainPending(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	chained := 0
	err := l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := recoverQueue(tx); err != nil {
			return err
		}
		var queued []struct {
			EntryID int64
			BookID  int64
		}
		if err := tx.Raw(`SELECT entry_id, book_id FROM ledger_chain_queue WHERE entry_id > 0
			ORDER BY entry_id LIMIT ? FOR UPDATE SKIP LOCKED`, limit).Scan(&queued).Error; err != nil {
			return fmt.Errorf("read chain queue: %w", err)
		}
		byBook := map[int64][]int64{}
		var books []int64
		for _, q := range queued {
			if _, ok := byBook[q.BookID]; !ok {
				books = append(books, q.BookID)
			}
			byBook[q.BookID] = append(byBook[q.BookID], q.EntryID)
		}
		for _, book := range books {
			n, err := chainBook(tx, book, byBook[book])
			if err != nil {
				return err
			}
			chained += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("chain entries: %w", err)
	}
	return chained, nil
}

// queueLost reports whether the chain queue's sentinel row (entry_id 0) is gone: Postgres
// emptied the unlogged queue in crash recovery.
func queueLost(tx *gorm.DB) (bool, error) {
	var n int64
	if err := tx.Raw(`SELECT count(*) FROM ledger_chain_queue WHERE entry_id = 0`).Scan(&n).Error; err != nil {
		return false, fmt.Errorf("read chain queue sentinel: %w", err)
	}
	return n == 0, nil
}

func recoverQueue(tx *gorm.DB) error {
	lost, err := queueLost(tx)
	if err != nil || !lost {
		return err
	}
	return tx.Exec(`
		INSERT INTO ledger_chain_queue (entry_id, book_id)
		SELECT e.id, e.book_id FROM ledger_entries e
		WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.entry_id = e.id)
		UNION ALL SELECT 0, 0
		ON CONFLICT DO NOTHING`).Error
}

func chainBook(tx *gorm.DB, book int64, ids []int64) (int, error) {
	// One chainer extends a book at a time; other books go on in parallel.
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(1801675106, hashint8(?))`, book).Error; err != nil {
		return 0, err
	}
	var head struct {
		Seq  int64
		Hash []byte
	}
	if err := tx.Raw(`SELECT seq, hash FROM ledger_chain WHERE book_id = ? ORDER BY seq DESC LIMIT 1`, book).Scan(&head).Error; err != nil {
		return 0, fmt.Errorf("read chain head of book %d: %w", book, err)
	}
	if head.Hash == nil {
		head.Hash = zeroHash
	}
	var entries []chainEntry
	if err := tx.Raw(chainBatchSQL, ids, ids).Scan(&entries).Error; err != nil {
		return 0, fmt.Errorf("read entries to chain: %w", err)
	}
	var values []string
	var args []any
	prev := head.Hash
	for i, e := range entries {
		h := hashEntry(prev, e)
		values = append(values, "(?, ?, ?, ?, ?)")
		args = append(args, book, head.Seq+int64(i)+1, e.ID, prev, h)
		prev = h
	}
	if len(values) > 0 {
		if err := tx.Exec(`INSERT INTO ledger_chain (book_id, seq, entry_id, prev_hash, hash) VALUES `+
			strings.Join(values, ","), args...).Error; err != nil {
			return 0, fmt.Errorf("extend chain of book %d: %w", book, err)
		}
	}
	if err := tx.Exec(`DELETE FROM ledger_chain_queue WHERE entry_id IN ?`, ids).Error; err != nil {
		return 0, fmt.Errorf("dequeue chained entries: %w", err)
	}
	return len(entries), nil
}

// Fingerprint is a short, speakable digest of a book's chain head: what members compare
// to know they all see the same books.
type Fingerprint struct {
	Book    int64
	Entries int64  // how many entries the chain covers
	Code    string // e.g. "7KQ3-ZT2M"
	Hash    []byte
}

func (f Fingerprint) String() string { return fmt.Sprintf("#%d %s", f.Entries, f.Code) }

var fingerprintEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Fingerprint reads the head of a book's chain (entries still queued are not in it yet).
func (l *Ledger) Fingerprint(ctx context.Context, book int64) (Fingerprint, error) {
	var head struct {
		Seq  int64
		Hash []byte
	}
	if err := l.db.WithContext(ctx).Raw(`SELECT seq, hash FROM ledger_chain WHERE book_id = ? ORDER BY seq DESC LIMIT 1`, book).
		Scan(&head).Error; err != nil {
		return Fingerprint{}, fmt.Errorf("read chain head of book %d: %w", book, err)
	}
	if head.Hash == nil {
		head.Hash = zeroHash
	}
	code := fingerprintEncoding.EncodeToString(head.Hash)[:8]
	return Fingerprint{Book: book, Entries: head.Seq, Code: code[:4] + "-" + code[4:], Hash: head.Hash}, nil
}
