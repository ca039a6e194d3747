package s3env

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/internal/testenv"
)

// NewFileBucket creates a bucket for tb, as NewBucket does, holding an
// empty object for each of keys, and returns its name. It writes the
// objects as empty files straight into the gateway's directory
// (env.Root), which the posix backend lists and serves as objects
// (without the extended attributes a PUT stores, it reports a default
// ETag): 100,000 keys take seconds, where PUTs take minutes. It skips tb
// when env.Root is "" (an external service whose directory is unknown).
//
// A key must be a relative slash-separated path of non-empty names other
// than "." and "..", and no key may be a directory of another ("a" and
// "a/b"), as a file system cannot hold both.
func NewFileBucket(tb testing.TB, env testenv.S3Env, c *s3.Client, keys []string) string {
	tb.Helper()
	if env.Root == "" {
		tb.Skip("s3env: the S3 service's directory is unknown (SLUICE_TEST_S3 names a service without SLUICE_TEST_S3_ROOT): cannot create a bucket from files")
	}
	for _, k := range keys {
		if err := checkFileKey(k); err != nil {
			tb.Fatalf("s3env: NewFileBucket: %v", err)
		}
	}
	bucket := NewBucket(tb, c)
	dir := filepath.Join(env.Root, bucket)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		tb.Fatalf("s3env: bucket %s is not the directory %s of the gateway: %v", bucket, dir, err)
	}
	dirs := map[string]bool{}
	for _, k := range keys {
		if d := filepath.Dir(filepath.FromSlash(k)); d != "." && !dirs[d] {
			dirs[d] = true
			if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
				tb.Fatalf("s3env: %v", err)
			}
		}
	}
	// Creating files is system calls more than CPU: a few goroutines
	// overlap them.
	const writers = 4
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := w; i < len(keys); i += writers {
				f, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(keys[i])), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
				if err == nil {
					err = f.Close()
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatalf("s3env: writing the objects of bucket %s: %v", bucket, err)
		}
	}
	return bucket
}

func checkFileKey(k string) error {
	if k == "" || strings.HasPrefix(k, "/") || strings.HasSuffix(k, "/") {
		return fmt.Errorf("key %q: want a relative path of a file", k)
	}
	for name := range strings.SplitSeq(k, "/") {
		if name == "" || name == "." || name == ".." || strings.IndexByte(name, 0) >= 0 {
			return fmt.Errorf("key %q: the name %q cannot be a file's", k, name)
		}
	}
	return nil
}
