//go:build !unix

package memory

import (
	"fmt"
	"os"
)

// lockDir only creates the lock file where flock is unavailable; running two
// gateways on one state directory there is the user's responsibility.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	return f, nil
}
