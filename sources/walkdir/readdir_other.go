//go:build !linux

package walkdir

import "os"

// readOS reads the directory n of the operating system and returns its
// entries, in the order the system lists them.
func (w *walk) readOS(n *dirNode) ([]Entry, error) {
	f, err := os.Open(n.path)
	if err != nil {
		return nil, err
	}
	ds, err := f.ReadDir(-1)
	f.Close()
	return w.entries(n, ds), err
}
