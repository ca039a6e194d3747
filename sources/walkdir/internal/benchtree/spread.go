package benchtree

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

// Spread makes at dir, which must not exist, a tree of n entries below
// dir (n+1 with dir), shaped like a real source or system tree rather
// than the grid of Generated: 8 % of the entries are directories, nested
// by preferential attachment (a directory with many subdirectories is
// likelier to get another) up to 12 deep, and the files are spread over
// the directories with log-normal weights, so that most directories hold
// a few entries and a few hold thousands. Names are 3 to 16 letters and
// a number (a file's with a dash between, so that no file has the
// name of a directory, and one of a few extensions); files are empty. The
// same n always gives the same tree. It returns the number of
// directories and the size of the largest one.
func Spread(dir string, n int) (dirs, largest int, err error) {
	rng := rand.New(rand.NewPCG(13, uint64(n)))
	type node struct {
		path  string
		depth int
		kids  int // subdirectories and files
		files int
	}
	nd := n * 8 / 100
	nodes := make([]node, 1, nd+1)
	nodes[0] = node{path: dir}
	// slots holds each directory once, and once more for each
	// subdirectory it has: a uniform pick from it is preferential.
	slots := make([]int32, 1, 2*nd+1)
	word := func() string {
		b := make([]byte, 3+rng.IntN(14))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	for len(nodes) <= nd {
		p := int(slots[rng.IntN(len(slots))])
		if nodes[p].depth >= 12 {
			continue
		}
		nodes[p].kids++
		nodes = append(nodes, node{
			path:  filepath.Join(nodes[p].path, fmt.Sprintf("%s%d", word(), nodes[p].kids)),
			depth: nodes[p].depth + 1,
		})
		slots = append(slots, int32(p), int32(len(nodes)-1))
	}
	// The files: log-normal weights, the remainder of the rounding given
	// one at a time to random directories.
	files := n - nd
	weights := make([]float64, len(nodes))
	sum := 0.0
	for i := range weights {
		weights[i] = math.Exp(1.5 * rng.NormFloat64())
		sum += weights[i]
	}
	given := 0
	for i := range nodes {
		nodes[i].files = int(weights[i] / sum * float64(files))
		given += nodes[i].files
	}
	for ; given < files; given++ {
		nodes[rng.IntN(len(nodes))].files++
	}
	for i := range nodes {
		if err := os.Mkdir(nodes[i].path, 0o755); err != nil {
			return 0, 0, err
		}
		largest = max(largest, nodes[i].kids+nodes[i].files)
	}
	exts := []string{"", ".go", ".c", ".h", ".txt", ".json", ".py", ".md", ".so"}
	names := make([][]string, len(nodes))
	for i := range nodes {
		names[i] = make([]string, nodes[i].files)
		for j := range names[i] {
			names[i][j] = fmt.Sprintf("%s-%d%s", word(), j, exts[rng.IntN(len(exts))])
		}
	}
	// Create the files on a few goroutines: a million creates take a
	// while on one.
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range 4 {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				failed := err != nil
				mu.Unlock()
				if i >= len(nodes) || failed {
					return
				}
				for _, name := range names[i] {
					if e := os.WriteFile(filepath.Join(nodes[i].path, name), nil, 0o644); e != nil {
						mu.Lock()
						err = e
						mu.Unlock()
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return len(nodes) - 1, largest, err
}
