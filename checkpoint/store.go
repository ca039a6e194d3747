package checkpoint

import (
	"context"
	"errors"
	"fmt"
)

// Store records a cursor per name.
//
// Load returns the cursor last saved under name, or "" and a nil error when
// none has been saved; "" means start from the beginning. Save records
// cursor under name, replacing the previous one; when it returns nil the
// cursor is durable. [FileStore] is safe for concurrent use, and
// pgstore.Store (package [github.com/sluice-go/sluice/checkpoint/pgstore])
// as far as its database handle is.
type Store interface {
	Load(ctx context.Context, name string) (cursor string, err error)
	Save(ctx context.Context, name, cursor string) error
}

var (
	// ErrInvalidName is wrapped by the error for a name a store cannot use.
	ErrInvalidName = errors.New("checkpoint: invalid name")

	// ErrCorrupt is wrapped by the error for a stored checkpoint that does
	// not parse: the store never reads it as "".
	ErrCorrupt = errors.New("checkpoint: corrupt checkpoint")
)

func invalidName(name, why string) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidName, name, why)
}
