package ledger

import (
	"context"
	"sync"
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
	b := &Batcher{ledger: l, maxBatch: maxBatch, queue: make(chan batchItem, flushers*maxBatch*2), stop: make(chan struct{})}
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

func (b *Batcher) flush() {
	defer b.wg.Done()
	items := make([]batchItem, 0, b.maxBatch)
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
	more:
		for len(items) < b.maxBatch {
			select {
			case it := <-b.queue:
				items = append(items, it)
			default:
				break more
			}
		}
		b.write(items)
	}
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
	// The batch is written on behalf of several callers: none of their contexts alone
	// may cancel it half way.
	results := b.ledger.PostBatch(context.WithoutCancel(live[0].ctx), reqs)
	for i, it := range live {
		it.done <- results[i]
	}
}
