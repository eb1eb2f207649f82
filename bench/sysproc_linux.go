package bench

import "syscall"

// sysProcAttr makes a child die with this process, so an interrupted run
// leaves no server behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
