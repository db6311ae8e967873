package ledger

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// wireEntry is one element of ledger_post's JSON argument (see the migration).
type wireEntry struct {
	Book       int64             `json:"b"`
	Key        string            `json:"k"`
	Hash       string            `json:"h"`
	Kind       string            `json:"t"`
	Memo       string            `json:"m"`
	Refs       map[string]string `json:"r"`
	OccurredAt *string           `json:"o"`
	Currency   string            `json:"c"`
	Accounts   []int64           `json:"a"`
	Amounts    []string          `json:"v"`
	Reverses   *int64            `json:"rv,omitempty"`
}

// wire is r as ledger_post's JSON carries it; hash is r.contentHash(), computed once by
// the caller.
func (r EntryRequest) wire(hash []byte) wireEntry {
	w := wireEntry{
		Book: r.Book, Key: r.Key, Hash: hex.EncodeToString(hash), Kind: r.Kind, Memo: r.Memo,
		Refs: r.Refs, Currency: r.Currency,
		Accounts: make([]int64, len(r.Legs)), Amounts: make([]string, len(r.Legs)),
	}
	if w.Refs == nil {
		w.Refs = map[string]string{}
	}
	if !r.OccurredAt.IsZero() {
		s := pgTime(r.OccurredAt)
		w.OccurredAt = &s
	}
	for i, l := range r.Legs {
		w.Accounts[i] = l.Account
		w.Amounts[i] = l.signed().StringFixed(2)
	}
	if r.reverses != 0 {
		w.Reverses = &r.reverses
	}
	return w
}

// Result is the outcome of one request of a batch.
type Result struct {
	Entry Entry
	Err   error
}

type postRow struct {
	Ord     int
	EntryID *int64
	Status  string
}

// Post writes one entry in one round trip (ledger_post_one). A repeated key with the same
// content returns the original entry with Replayed set.
func (l *Ledger) Post(ctx context.Context, req EntryRequest) (Entry, error) {
	if err := req.Validate(); err != nil {
		return Entry{}, err
	}
	hash := req.contentHash()
	w := req.wire(hash)
	refs, err := json.Marshal(w.Refs)
	if err != nil {
		return Entry{}, fmt.Errorf("encode references: %w", err)
	}
	var occurred, reverses any
	if w.OccurredAt != nil {
		occurred = *w.OccurredAt
	}
	if w.Reverses != nil {
		reverses = *w.Reverses
	}
	var row postRow
	err = l.retry(ctx, func() error {
		// Row().Scan rather than Scan(&row): GORM's Scan renders the statement with its
		// arguments for a trace on every call, which costs more than reading two columns.
		return l.db.WithContext(ctx).Raw(`SELECT entry_id, status FROM ledger_post_one(?, ?, ?, ?, ?, ?::jsonb, ?::timestamptz, ?, ?::bigint[], ?::numeric[], ?::bigint, NULL)`,
			w.Book, w.Key, hash, w.Kind, w.Memo, string(refs), occurred, w.Currency,
			pgArray(w.Accounts), pgArray(w.Amounts), reverses).Row().Scan(&row.EntryID, &row.Status)
	})
	if err != nil {
		if e, ok := refusal(err); ok {
			return Entry{}, e
		}
		return Entry{}, fmt.Errorf("post entry: %w", err)
	}
	switch row.Status {
	case "posted", "replayed":
		return Entry{ID: *row.EntryID, Key: req.Key, Replayed: row.Status == "replayed"}, nil
	}
	return Entry{}, statusError(row.Status, "")
}

// pgArray renders numbers (already validated) as a Postgres array literal: GORM would
// expand a Go slice into a list of parameters.
func pgArray[T any](xs []T) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, x)
	}
	b.WriteByte('}')
	return b.String()
}

// retry runs call again after a deadlock or serialization failure, a few times, when the
// ledger owns its transaction: every write is idempotent on its key. Inside a caller's
// transaction the transaction is already aborted, so the error goes back to the caller.
func (l *Ledger) retry(ctx context.Context, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		if err == nil || l.inTx || attempt == 3 || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
}

// PostBatch writes many entries in one transaction, each idempotent on its own key, and
// returns one result per request in the same order. When any entry is refused by the
// database (insufficient funds, a closed account...), the valid ones are posted one by
// one instead, so one bad entry never costs the others their place.
func (l *Ledger) PostBatch(ctx context.Context, reqs []EntryRequest) []Result {
	results := make([]Result, len(reqs))
	valid := make([]EntryRequest, 0, len(reqs))
	where := make([]int, 0, len(reqs))
	for i, r := range reqs {
		if err := r.Validate(); err != nil {
			results[i].Err = err
			continue
		}
		valid = append(valid, r)
		where = append(where, i)
	}
	if len(valid) > 0 {
		l.postValid(ctx, valid, where, results)
	}
	return results
}

// postValid writes requests that have passed Validate, putting the result of valid[j]
// in results[where[j]].
func (l *Ledger) postValid(ctx context.Context, valid []EntryRequest, where []int, results []Result) {
	batch, err := l.send(ctx, valid)
	if err == nil {
		for j, r := range batch {
			results[where[j]] = r
		}
		return
	}
	if !isRefusal(err) || l.inTx {
		// Not one entry's fault (or the caller's transaction is now aborted): every
		// entry of the batch shares the failure.
		for _, i := range where {
			results[i].Err = err
		}
		return
	}
	for j, r := range valid {
		e, err := l.Post(ctx, r)
		results[where[j]] = Result{Entry: e, Err: err}
	}
}

// send calls ledger_post for already validated requests, in one round trip.
func (l *Ledger) send(ctx context.Context, reqs []EntryRequest) ([]Result, error) {
	wire := make([]wireEntry, len(reqs))
	for i, r := range reqs {
		wire[i] = r.wire(r.contentHash())
	}
	payload, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("encode entries: %w", err)
	}
	var rows []postRow
	err = l.retry(ctx, func() error {
		rows = rows[:0]
		// Rows() and a plain scan rather than Scan(&rows): see Post.
		res, err := l.db.WithContext(ctx).Raw(`SELECT ord, entry_id, status FROM ledger_post(?::jsonb)`, string(payload)).Rows()
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			var row postRow
			if err := res.Scan(&row.Ord, &row.EntryID, &row.Status); err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return res.Err()
	})
	if err != nil {
		if e, ok := refusal(err); ok {
			return nil, e
		}
		return nil, fmt.Errorf("post entries: %w", err)
	}
	if len(rows) != len(reqs) {
		return nil, fmt.Errorf("post entries: %d results for %d entries", len(rows), len(reqs))
	}
	out := make([]Result, len(reqs))
	for _, row := range rows {
		i := row.Ord - 1
		if i < 0 || i >= len(reqs) {
			return nil, fmt.Errorf("post entries: result for element %d of %d", row.Ord, len(reqs))
		}
		switch row.Status {
		case "posted", "replayed":
			out[i].Entry = Entry{ID: *row.EntryID, Key: reqs[i].Key, Replayed: row.Status == "replayed"}
		default:
			out[i].Err = statusError(row.Status, "")
			if row.EntryID != nil {
				out[i].Entry = Entry{ID: *row.EntryID, Key: reqs[i].Key}
			}
		}
	}
	return out, nil
}
