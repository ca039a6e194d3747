package services

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// InitdbEnv names an environment variable that, when set, is the path of the
// initdb to use (its postgres must be beside it). Setting it to a path that
// does not exist simulates a machine without PostgreSQL.
const InitdbEnv = "SLUICE_TEST_INITDB"

// FindInitdb returns the path of initdb: the one named by $SLUICE_TEST_INITDB,
// else the newest under /usr/lib/postgresql/*/bin (where Debian puts the
// server, off PATH), else the one on PATH.
func FindInitdb() (string, error) {
	if p := os.Getenv(InitdbEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("initdb %w: $%s=%s: %v", ErrNotFound, InitdbEnv, p, err)
		}
		return filepath.Abs(p) // the server runs in a directory of its own
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) > 0 {
		// Sort by major version as a number, so 9.6 < 15 < 16.
		version := func(p string) float64 {
			v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(p))), 64)
			return v
		}
		sort.Slice(matches, func(i, j int) bool { return version(matches[i]) < version(matches[j]) })
		return matches[len(matches)-1], nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("initdb %w in /usr/lib/postgresql/*/bin or on PATH", ErrNotFound)
}

// Postgres is a running throwaway PostgreSQL cluster.
type Postgres struct {
	// DSN is the connection string of the cluster's postgres database as
	// the superuser postgres, without a password (trust authentication).
	DSN string

	proc *process
}

// StartPostgres creates a cluster with initdb in a new temporary directory
// and starts it on a free loopback port, returning once it accepts
// connections. Running as root, it runs initdb and postgres as the postgres
// system user, since both refuse to run as root.
func StartPostgres() (*Postgres, error) {
	initdb, err := FindInitdb()
	if err != nil {
		return nil, err
	}
	postgres := filepath.Join(filepath.Dir(initdb), "postgres")
	if _, err := os.Stat(postgres); err != nil {
		return nil, fmt.Errorf("postgres %w beside %s: %v", ErrNotFound, initdb, err)
	}
	var o *owner
	if os.Geteuid() == 0 {
		if o, err = lookupOwner("postgres"); err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL must run as the postgres user: %v", err)
		}
	}
	dir, err := os.MkdirTemp("", "sluice-postgres-")
	if err != nil {
		return nil, err
	}
	pg, err := startPostgres(initdb, postgres, dir, o)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return pg, nil
}

func startPostgres(initdb, postgres, dir string, o *owner) (*Postgres, error) {
	if err := o.chown(dir); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	logPath := filepath.Join(dir, "log")
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	cmd.Dir = dir // the caller's directory may be unreadable to the postgres user
	setSysProcAttr(cmd, o, syscall.SIGKILL)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", initdb, err, out)
	}

	// The port may be taken between freePort and postgres binding it;
	// postgres then exits at once, and we try another.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(postgres, "-D", data,
			"-p", strconv.Itoa(port),
			"-c", "listen_addresses=127.0.0.1",
			"-c", "unix_socket_directories="+dir,
			// Durability is of no use in a throwaway cluster.
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
		)
		cmd.Dir = dir
		// SIGQUIT is PostgreSQL's immediate shutdown: the data is discarded.
		setSysProcAttr(cmd, o, syscall.SIGQUIT)
		p, err := start("postgres", cmd, dir, logPath, syscall.SIGQUIT)
		if err != nil {
			return nil, err
		}
		err = p.waitFor(60*time.Second, func() bool { return postmasterReady(data) })
		if err == nil {
			return &Postgres{
				DSN:  fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
				proc: p,
			}, nil
		}
		lastErr = err
		p.terminate()
	}
	return nil, lastErr
}

// postmasterReady reports whether the postmaster.pid file in data says the
// server accepts connections. This is how pg_ctl waits, and needs no client.
func postmasterReady(data string) bool {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	// Line 8 holds the status: "starting", "ready", "stopping" (PostgreSQL 10+).
	return len(lines) >= 8 && strings.TrimSpace(lines[7]) == "ready"
}

// Stop shuts the cluster down and removes its directory.
func (pg *Postgres) Stop() error {
	return pg.proc.stop()
}
