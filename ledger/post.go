package ledger

import (
	"context"
	"encoding/json"
	"fmt"
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

func (r EntryRequest) wire() wireEntry {
	w := wireEntry{
		Book: r.Book, Key: r.Key, Hash: r.contentHash(), Kind: r.Kind, Memo: r.Memo,
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

// Post writes one entry in one round trip. A repeated key with the same content returns
// the original entry with Replayed set.
func (l *Ledger) Post(ctx context.Context, req EntryRequest) (Entry, error) {
	if err := req.Validate(); err != nil {
		return Entry{}, err
	}
	res, err := l.send(ctx, []EntryRequest{req})
	if err != nil {
		return Entry{}, err
	}
	return res[0].Entry, res[0].Err
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
	if len(valid) == 0 {
		return results
	}
	batch, err := l.send(ctx, valid)
	if err == nil {
		for j, r := range batch {
			results[where[j]] = r
		}
		return results
	}
	if _, refused := refusal(err); !refused || l.inTx {
		// Not one entry's fault (or the caller's transaction is now aborted): every
		// entry of the batch shares the failure.
		for _, i := range where {
			results[i].Err = err
		}
		return results
	}
	for j, r := range valid {
		e, err := l.Post(ctx, r)
		results[where[j]] = Result{Entry: e, Err: err}
	}
	return results
}

// send calls ledger_post for already validated requests. Outside a caller's transaction
// a deadlock or serialization failure is retried a few times: the call is idempotent.
func (l *Ledger) send(ctx context.Context, reqs []EntryRequest) ([]Result, error) {
	wire := make([]wireEntry, len(reqs))
	for i, r := range reqs {
		wire[i] = r.wire()
	}
	payload, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("encode entries: %w", err)
	}
	var rows []postRow
	for attempt := 0; ; attempt++ {
		rows = rows[:0]
		err = l.db.WithContext(ctx).Raw(`SELECT ord, entry_id, status FROM ledger_post(?::jsonb)`, string(payload)).Scan(&rows).Error
		if err == nil || l.inTx || attempt == 3 || !retryable(err) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
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
