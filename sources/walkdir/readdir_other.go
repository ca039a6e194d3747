//go:build !linux

package walkdir

import (
	"os"
	"slices"
	"strings"
)

// readOS reads the directory n of the operating system and returns its
// entries sorted by name. os.ReadDir's sort calls Name through an
// interface twice a comparison: the paths sort as the names do, since
// they share the directory's prefix, and compare without a call.
func (w *walk) readOS(n *dirNode) ([]Entry, error) {
	f, err := os.Open(n.path)
	if err != nil {
		return nil, err
	}
	ds, err := f.ReadDir(-1)
	f.Close()
	ents := w.entries(n, ds)
	slices.SortFunc(ents, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	return ents, err
}
