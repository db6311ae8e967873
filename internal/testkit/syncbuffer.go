// Package testkit holds small helpers shared by tests across packages.
package testkit

import (
	"bytes"
	"sync"
)

// SyncBuffer is an output that goroutines (a server's logger, a command under test) write
// while the test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
