//go:build !linux

package services

import (
	"errors"
	"os/exec"
	"syscall"
)

// setSysProcAttr does nothing outside Linux: there is no parent-death
// signal, and services are run as root only on Linux.
func setSysProcAttr(cmd *exec.Cmd, o *owner, sig syscall.Signal) {}

var errXattrUnsupported = errors.New("xattrs unsupported")

// setxattr reports xattrs as unsupported, so the gateway keeps its metadata
// in a sidecar directory.
func setxattr(path, name string, value []byte) error { return errXattrUnsupported }
