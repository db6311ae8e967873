// Package ledger is Kikundi's double-entry ledger: books, accounts, entries and their
// postings, holds (two-phase transfers), reversals, statements, each book's hash chain,
// and the verification of every invariant. It knows nothing of chamas.
//
// The database is the guarantee. Entries and postings are append-only (Postgres refuses
// UPDATE and DELETE), an unbalanced entry is refused at commit however it was written, an
// idempotency key is decided by a unique index, and the overdraft policy is checked and
// applied under the same row locks, taken in ascending account id order. The Go side
// validates first so that callers get precise, errors.Is-able errors, and so that nothing
// malformed reaches the database.
//
// Amounts are decimal.Decimal with at most two decimals; anything finer is refused, never
// rounded. A Leg is a debit or a credit of a positive amount; balances are reported on the
// account's normal side (assets and expenses grow with debits, liabilities, equity and
// income with credits), so a member's savings of 500 reads 500.
//
// Posting is one round trip. Post calls ledger_post_one (migrations/00001_ledger.sql),
// which writes one entry with the fewest statements; PostBatch calls ledger_post, which
// writes a whole batch in one set-based statement in one transaction and, when any entry
// is refused, falls back to posting them one by one so each gets its own answer; a
// Batcher coalesces concurrent Post calls into batches (group commit).
package ledger
