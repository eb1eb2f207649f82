package checkpoint

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// FileWitness appends each checkpoint it is given to a file, one JSON
// object a line, and syncs the file before it reports delivery. The file
// is what `deadbolt audit verify --checkpoints` reads. Delivery is at
// least once, so a line may repeat; verify counts a repeat once.
type FileWitness struct {
	Path string
	mu   sync.Mutex
}

// Deliver implements notify.Carrier.
func (w *FileWitness) Deliver(_ context.Context, m store.OutboxMessage) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	f, err := os.OpenFile(w.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("witness file: %w", err)
	}
	line := append(bytes.TrimSpace(m.Payload), '\n')
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("witness file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("witness file: %w", err)
	}
	return f.Close()
}

// HTTPWitness posts each checkpoint, as JSON, to a URL. The checkpoint is
// signed itself, so the request carries no signature of its own; the
// outbox message ID in Idempotency-Key lets the receiver drop repeats.
type HTTPWitness struct {
	URL string
	// Client must be an egress.Policy client (the address dialled is
	// checked); redirects are never followed.
	Client *http.Client
}

// Deliver implements notify.Carrier.
func (w *HTTPWitness) Deliver(ctx context.Context, m store.OutboxMessage) error {
	return egress.PostJSON(ctx, w.Client, w.URL, "deadbolt-witness/1", m.ID, m.Payload)
}
