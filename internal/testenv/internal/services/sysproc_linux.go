package services

import (
	"os/exec"
	"syscall"
)

// setSysProcAttr makes cmd run as o (when o is not nil) and receive sig when
// the process that started it exits. The signal stops the service even when
// a test binary dies without cleaning up, for example on a -timeout panic.
func setSysProcAttr(cmd *exec.Cmd, o *owner, sig syscall.Signal) {
	attr := &syscall.SysProcAttr{Pdeathsig: sig}
	if o != nil {
		attr.Credential = &syscall.Credential{Uid: o.uid, Gid: o.gid}
	}
	cmd.SysProcAttr = attr
}

var errXattrUnsupported = syscall.ENOTSUP

func setxattr(path, name string, value []byte) error {
	return syscall.Setxattr(path, name, value, 0)
}
