package ledger

import (
	"context"
	"testing"
	"time"
)

// The gathering policy without a database: a flusher takes what is queued, waits for as
// many entries as its last batch had, and never longer than batchLinger.
func TestGatherWaitsForTheLastBatchsCallersOnly(t *testing.T) {
	item := func() batchItem { return batchItem{ctx: context.Background(), done: make(chan Result, 1)} }
	newBatcher := func(linger time.Duration) *Batcher {
		return &Batcher{maxBatch: 4, queue: make(chan batchItem, 16), stop: make(chan struct{}), linger: linger}
	}

	t.Run("what is queued, up to the most a batch holds", func(t *testing.T) {
		b := newBatcher(time.Hour)
		for range 6 {
			b.queue <- item()
		}
		if got := len(b.gather(nil, 1)); got != 4 {
			t.Fatalf("gathered %d, want 4 (maxBatch)", got)
		}
		if got := len(b.queue); got != 2 {
			t.Fatalf("%d left queued, want 2", got)
		}
	})

	t.Run("callers that come back join the batch", func(t *testing.T) {
		b := newBatcher(time.Hour) // the test ends when they are in, not when it runs out
		b.queue <- item()
		go func() {
			for range 2 {
				time.Sleep(100 * time.Microsecond)
				b.queue <- item()
			}
		}()
		if got := len(b.gather(nil, 3)); got != 3 {
			t.Fatalf("gathered %d, want the 3 the last batch had", got)
		}
	})

	t.Run("a caller that does not come back costs one linger", func(t *testing.T) {
		b := newBatcher(20 * time.Millisecond)
		b.queue <- item()
		start := time.Now()
		got := b.gather(nil, 3)
		waited := time.Since(start)
		if len(got) != 1 {
			t.Fatalf("gathered %d, want 1", len(got))
		}
		if waited < b.linger {
			t.Fatalf("gave up after %s, before the linger of %s", waited, b.linger)
		}
	})

	t.Run("closing stops the wait", func(t *testing.T) {
		b := newBatcher(time.Hour)
		close(b.stop)
		done := make(chan int)
		go func() { done <- len(b.gather([]batchItem{item()}, 4)) }()
		select {
		case n := <-done:
			if n != 1 {
				t.Fatalf("gathered %d, want 1", n)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("gather kept waiting after Close")
		}
	})
}
