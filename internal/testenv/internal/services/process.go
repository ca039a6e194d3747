// Package services starts and stops the real services that tests use: a
// throwaway PostgreSQL cluster and the Versity S3 Gateway. It is shared by
// package testenv, which starts them once per test binary, and by the
// testservices command, which starts them once for a whole ./test.sh run.
//
// It does not import "testing", so the command can use it. It imports only
// the standard library.
package services

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound is wrapped by the errors that report a missing program, so
// callers can tell "not installed" from "installed but failed".
var ErrNotFound = errors.New("not found")

// A process is a child process started by this package, with a private
// directory that is removed when the process is stopped.
type process struct {
	name    string
	cmd     *exec.Cmd
	dir     string // removed by stop
	logPath string // the child's stdout and stderr
	stopSig os.Signal
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// start starts cmd with its output going to logPath. The output goes to a
// file rather than a pipe so that exec.Cmd starts no copying goroutines,
// which a goroutine-leak check at the end of a test binary would report.
func start(name string, cmd *exec.Cmd, dir, logPath string, stopSig os.Signal) (*process, error) {
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child has its own copy
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, dir: dir, logPath: logPath, stopSig: stopSig, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited, with an error describing
// how and the end of its log.
func (p *process) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited during startup (%v); its log ends:\n%s", p.name, p.waitErr, p.logTail())
	default:
		return nil
	}
}

// logTail returns the last lines of the process's log, for error messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// stop terminates the process and removes its directory.
func (p *process) stop() error {
	p.terminate()
	return os.RemoveAll(p.dir)
}

// terminate signals the process and waits for it to exit, killing it if it
// has not within 10 seconds. It returns only after the goroutine waiting for
// the process has ended.
func (p *process) terminate() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(p.stopSig)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago. Another
// process may take it before the service binds it; the callers retry.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitFor polls ready every 50ms until it returns true, the process exits
// or the timeout passes.
func (p *process) waitFor(timeout time.Duration, ready func() bool) error {
	deadline := time.Now().Add(timeout)
	for !ready() {
		if err := p.exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not become ready within %v; its log ends:\n%s", p.name, timeout, p.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// owner is a system user that runs a service instead of root.
type owner struct {
	uid, gid uint32
}

// lookupOwner looks up the named system user.
func lookupOwner(name string) (*owner, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user %s has a non-numeric uid %q or gid %q", name, u.Uid, u.Gid)
	}
	return &owner{uid: uint32(uid), gid: uint32(gid)}, nil
}

// chown gives dir to o; a nil o leaves it alone.
func (o *owner) chown(dir string) error {
	if o == nil {
		return nil
	}
	return os.Chown(dir, int(o.uid), int(o.gid))
}

// The environment variables through which a test command hands running
// services to test binaries. Package testenv documents them.
const (
	PostgresVar    = "SLUICE_TEST_POSTGRES"
	S3Var          = "SLUICE_TEST_S3"
	S3AccessKeyVar = "SLUICE_TEST_S3_ACCESS_KEY"
	S3SecretKeyVar = "SLUICE_TEST_S3_SECRET_KEY"
	S3RegionVar    = "SLUICE_TEST_S3_REGION"
	S3RootVar      = "SLUICE_TEST_S3_ROOT"
)
