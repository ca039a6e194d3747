//go:build !linux

package watch

import "os"

// readDirs returns the names of the directories in dir, and of the
// entries whose type is not known without a Lstat (their value is false),
// or nil if dir cannot be read. It notes how many entries dir has
// (dirSize).
func (w *watcher) readDirs(dir string) map[string]bool {
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return nil
	}
	w.dirSize[dir] = len(ents)
	names := map[string]bool{}
	for _, de := range ents {
		if de.IsDir() {
			names[de.Name()] = true
		}
	}
	return names
}
