//go:build unix

package memory

import (
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock so two gateways never append to
// the same log; the kernel drops it when the process dies, even by kill -9.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("registry directory is in use by another process (%s): %w", path, err)
	}
	return f, nil
}
