package s3sink

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/sinkrun"
)

// saver saves the checkpoint whenever the values done advance, at most
// once every SaveEvery, until stop is closed. A save that fails stops the
// Write.
func (w *writer[V]) saver(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-w.kick:
		case <-stop:
			return
		}
		if err := w.save(ctx); err != nil {
			if sluice.ContextError(ctx) == nil {
				w.mu.Lock()
				if w.stopErr == nil {
					w.stopErr = err
				}
				w.mu.Unlock()
				w.fail()
			}
			return
		}
		if w.o.SaveEvery > 0 {
			t := time.NewTimer(w.o.SaveEvery)
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return
			}
		}
	}
}

// save saves the cursor of the last value done, if the values done have
// advanced since the last save.
func (w *writer[V]) save(ctx context.Context) error {
	done, last := w.ring.progress()
	if done == w.savedDone {
		return nil
	}
	cursor, err := sinkrun.CursorOf(names, w.cursor, done, last)
	if err != nil {
		return err
	}
	if err := w.o.Checkpoint.Save(ctx, w.o.Name, cursor); err != nil {
		if !strings.HasPrefix(err.Error(), "checkpoint: ") && !strings.HasPrefix(err.Error(), "pgstore: ") {
			err = fmt.Errorf("checkpoint: %w", err) // a Store of the caller's
		}
		return err
	}
	w.savedDone = done
	return nil
}
