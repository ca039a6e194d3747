package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/sluice-go/sluice/checkpoint"
)

// A checkpointFile is the file of --checkpoint: a checkpoint.FileStore
// over the file's directory, with the file's base name as the name.
//
// The cursor the store keeps is a JSON object that says which source it
// belongs to, so that a checkpoint is never applied to another source,
// and whether the source was read to its end:
//
//	{"source":"walk /abs/dir","cursor":"…","done":false}
type checkpointFile struct {
	store *checkpoint.FileStore
	path  string
	name  string
	ident string

	cursor string
	done   bool
}

type checkpointState struct {
	Source string `json:"source"`
	Cursor string `json:"cursor"`
	Done   bool   `json:"done"`
}

// openCheckpoint opens the checkpoint at path, for the source ident, and
// loads it. A file that does not exist yet is a checkpoint at the start;
// its directory must exist.
func openCheckpoint(path, ident string) (*checkpointFile, error) {
	store, err := checkpoint.NewFile(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("--checkpoint %s: %w", path, err)
	}
	c := &checkpointFile{store: store, path: path, name: filepath.Base(path), ident: ident}
	s, err := store.Load(context.Background(), c.name)
	if err != nil {
		return nil, fmt.Errorf("--checkpoint %s: %w", path, err)
	}
	if s == "" {
		return c, nil
	}
	var st checkpointState
	if err := json.Unmarshal([]byte(s), &st); err != nil || st.Source == "" {
		return nil, fmt.Errorf("--checkpoint %s: not a checkpoint of sluice", path)
	}
	if st.Source != ident {
		return nil, fmt.Errorf("--checkpoint %s: it records %q, not %q: use another file", path, st.Source, ident)
	}
	c.cursor, c.done = st.Cursor, st.Done
	return c, nil
}

// save records cursor, and whether the source was read to its end,
// atomically (see checkpoint.FileStore.Save).
func (c *checkpointFile) save(cursor string, done bool) error {
	b, err := json.Marshal(checkpointState{Source: c.ident, Cursor: cursor, Done: done})
	if err != nil {
		return err
	}
	if err := c.store.Save(context.Background(), c.name, string(b)); err != nil {
		return fmt.Errorf("--checkpoint %s: %w", c.path, err)
	}
	return nil
}
