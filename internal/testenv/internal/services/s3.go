package services

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The S3 credentials and region that the gateway is started with, and that
// clients use unless the environment names others.
const (
	DefaultAccessKey = "sluice"
	DefaultSecretKey = "sluice-secret"
	DefaultRegion    = "us-east-1"
)

// VersitygwEnv names an environment variable that, when set, is the path of
// the versitygw binary to run instead of building it from the tools module.
const VersitygwEnv = "SLUICE_VERSITYGW"

// FindVersitygw returns the path of the Versity S3 Gateway binary: the one
// named by $SLUICE_VERSITYGW, else the one built from the repository's tools
// module by "go tool -n versitygw", which builds it into the Go build cache
// if it is not there yet and prints its path. (Building there rather than
// into a directory of our own is safe when several test binaries do it at
// once, and free when nothing changed.)
func FindVersitygw() (string, error) {
	if p := os.Getenv(VersitygwEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("versitygw %w: $%s=%s: %v", ErrNotFound, VersitygwEnv, p, err)
		}
		return filepath.Abs(p) // the gateway runs in a directory of its own
	}
	tools, err := toolsDir()
	if err != nil {
		return "", err
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("versitygw: cannot build it: go command %w: %v", ErrNotFound, err)
	}
	cmd := exec.Command(goCmd, "tool", "-n", "versitygw")
	cmd.Dir = tools
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("versitygw: building it with go tool in %s: %v\n%s", tools, err, stderr.String())
	}
	bin := strings.TrimSpace(string(out))
	if _, err := os.Stat(bin); err != nil {
		// go tool -n names a cached binary unless the build cache is off.
		return "", fmt.Errorf("versitygw: go tool -n versitygw in %s named no binary: %v", tools, err)
	}
	return bin, nil
}

// toolsDir finds the repository's tools module by walking up from the
// working directory, which for a test binary is its package's directory.
func toolsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "go.mod")); err == nil {
			return filepath.Join(dir, "tools"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("versitygw: cannot build it: tools/go.mod %w above the working directory", ErrNotFound)
		}
		dir = parent
	}
}

// S3 is a running Versity S3 Gateway over a temporary directory.
type S3 struct {
	Endpoint  string // http://127.0.0.1:PORT
	Region    string
	AccessKey string
	SecretKey string

	// Root is the directory the posix backend serves: a bucket is a
	// directory in it and an object a file below that, so a test may
	// create a large bucket by writing files rather than by PUTs.
	Root string

	proc *process
}

// StartS3 starts the gateway binary bin with its posix backend on a new
// temporary directory, on a free loopback port, and returns once it answers
// HTTP.
func StartS3(bin string) (*S3, error) {
	dir, err := os.MkdirTemp("", "sluice-s3-")
	if err != nil {
		return nil, err
	}
	s, err := startS3(bin, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func startS3(bin, dir string) (*S3, error) {
	root := filepath.Join(dir, "root")
	sidecar := filepath.Join(dir, "meta")
	for _, d := range []string{root, sidecar} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	// The posix backend keeps object metadata (ETags, content types) in
	// extended attributes and refuses to start on a filesystem without
	// them (tmpfs before Linux 6.6, some overlay filesystems). On such a
	// filesystem we keep the metadata in a sidecar directory instead.
	var metaArgs []string
	if !xattrSupported(root) {
		metaArgs = []string{"--sidecar", sidecar}
	}

	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		args := []string{
			"--access", DefaultAccessKey,
			"--secret", DefaultSecretKey,
			"--region", DefaultRegion,
			"--port", addr,
			"--quiet",
			"posix",
		}
		args = append(args, metaArgs...)
		args = append(args, root)
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		setSysProcAttr(cmd, nil, syscall.SIGKILL)
		p, err := start("versitygw", cmd, dir, filepath.Join(dir, "log"), syscall.SIGTERM)
		if err != nil {
			return nil, err
		}
		endpoint := "http://" + addr
		err = p.waitFor(60*time.Second, func() bool { return answersHTTP(endpoint) })
		if err == nil {
			return &S3{
				Endpoint:  endpoint,
				Region:    DefaultRegion,
				AccessKey: DefaultAccessKey,
				SecretKey: DefaultSecretKey,
				Root:      root,
				proc:      p,
			}, nil
		}
		lastErr = err
		p.terminate()
	}
	return nil, lastErr
}

// answersHTTP reports whether an HTTP server answers at endpoint with any
// status (an unauthenticated request gets 403 from the gateway). It keeps no
// connection open, so it leaves no goroutine behind.
func answersHTTP(endpoint string) bool {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	resp, err := c.Get(endpoint + "/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// xattrSupported reports whether the filesystem holding dir stores user
// extended attributes.
func xattrSupported(dir string) bool {
	err := setxattr(dir, "user.sluice.probe", []byte("1"))
	return !errors.Is(err, errXattrUnsupported)
}

// Stop stops the gateway and removes its directory.
func (s *S3) Stop() error {
	return s.proc.stop()
}
