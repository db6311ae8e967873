package ledger

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Batcher coalesces concurrent Post calls into PostBatch calls (group commit): while one
// batch is being written, the requests that arrive queue up and go together in the next.
// Each caller still gets its own entry or error. Under load this turns many commits into
// few, which is what lets a burst of M-Pesa confirmations into one group's cash account
// go through without serialising on that row one commit at a time.
type Batcher struct {
	ledger   *Ledger
	maxBatch int
	queue    chan batchItem
	wg       sync.WaitGroup
	stop     chan struct{}
	once     sync.Once
	linger   time.Duration // batchLinger; tests shorten or lengthen it
	batches  atomic.Int64
	entries  atomic.Int64
}

// BatcherStats counts what a Batcher has written: entries / batches is the average
// group commit.
type BatcherStats struct {
	Batches, Entries int64
}

// Stats says how many batches and entries the Batcher has written so far.
func (b *Batcher) Stats() BatcherStats {
	return BatcherStats{Batches: b.batches.Load(), Entries: b.entries.Load()}
}

type batchItem struct {
	ctx  context.Context
	req  EntryRequest
	done chan Result
}

// NewBatcher starts flushers goroutines, each writing up to maxBatch entries a commit.
// One flusher per core is a good start. Close stops them.
func NewBatcher(l *Ledger, flushers, maxBatch int) *Batcher {
	if flushers < 1 {
		flushers = 1
	}
	if maxBatch < 1 {
		maxBatch = 1
	}
	b := &Batcher{ledger: l, maxBatch: maxBatch, queue: make(chan batchItem, flushers*maxBatch*2),
		stop: make(chan struct{}), linger: batchLinger}
	for range flushers {
		b.wg.Add(1)
		go b.flush()
	}
	return b
}

// Post queues req for the next batch and waits for its result.
func (b *Batcher) Post(ctx context.Context, req EntryRequest) (Entry, error) {
	if err := req.Validate(); err != nil {
		return Entry{}, err
	}
	item := batchItem{ctx: ctx, req: req, done: make(chan Result, 1)}
	select {
	case b.queue <- item:
	case <-ctx.Done():
		return Entry{}, ctx.Err()
	case <-b.stop:
		return b.ledger.Post(ctx, req)
	}
	select {
	case r := <-item.done:
		return r.Entry, r.Err
	case <-ctx.Done():
		// The entry may still be written; its key makes a retry safe.
		return Entry{}, ctx.Err()
	}
}

// Close stops the flushers after the queued requests are written.
func (b *Batcher) Close() {
	b.once.Do(func() { close(b.stop) })
	b.wg.Wait()
}

// batchLinger bounds how long a flusher waits for the callers of its last batch to come
// back. Callers who post one entry after another (a worker settling a queue, the bench's
// clients) return at slightly different moments; a flusher that wrote as soon as the
// first came back would commit one or two entries at a time. Waiting until it has as
// many as last time gave 3.6 entries a commit instead of 2.4, and 6,000 transfers a
// second instead of 4,800, with 8 callers and 2 flushers (cmd/ledger-bench). A caller
// that does not come back costs the others this much, once: the next batch expects
// fewer.
const batchLinger = time.Millisecond

func (b *Batcher) flush() {
	defer b.wg.Done()
	items := make([]batchItem, 0, b.maxBatch)
	last := 0 // entries in this flusher's previous batch
	for {
		items = items[:0]
		select {
		case it := <-b.queue:
			items = append(items, it)
		case <-b.stop:
			// Drain what is queued, then leave.
			for {
				select {
				case it := <-b.queue:
					b.write([]batchItem{it})
				default:
					return
				}
			}
		}
		items = b.gather(items, min(max(last, 1), b.maxBatch))
		b.write(items)
		last = len(items)
	}
}

// gather adds to items what is already queued, up to maxBatch, then waits up to
// b.linger for more until it holds want.
func (b *Batcher) gather(items []batchItem, want int) []batchItem {
drain:
	for len(items) < b.maxBatch {
		select {
		case it := <-b.queue:
			items = append(items, it)
		default:
			break drain
		}
	}
	if len(items) >= want {
		return items
	}
	t := time.NewTimer(b.linger)
	defer t.Stop()
	for len(items) < want {
		select {
		case it := <-b.queue:
			items = append(items, it)
		case <-t.C:
			return items
		case <-b.stop:
			return items
		}
	}
	return items
}

func (b *Batcher) write(items []batchItem) {
	reqs := make([]EntryRequest, 0, len(items))
	live := items[:0:0]
	for _, it := range items {
		if it.ctx.Err() != nil {
			it.done <- Result{Err: it.ctx.Err()}
			continue
		}
		reqs = append(reqs, it.req)
		live = append(live, it)
	}
	if len(reqs) == 0 {
		return
	}
	// Post validated each request before queueing it. The batch is written on behalf of
	// several callers: none of their contexts alone may cancel it half way.
	results, where := make([]Result, len(reqs)), make([]int, len(reqs))
	for i := range where {
		where[i] = i
	}
	b.ledger.postValid(context.WithoutCancel(live[0].ctx), reqs, where, results)
	b.batches.Add(1)
	b.entries.Add(int64(len(reqs)))
	for i, it := range live {
		it.done <- results[i]
	}
}
