package autoscaler

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// SnapshotStore keeps each service's learned state (an opaque JSON
// document) between runs, and between gateways when several take turns
// running the controller. Implementations must be safe for concurrent use.
type SnapshotStore interface {
	// Load returns the service's saved document; ok is false when nothing
	// was saved.
	Load(service string) (data []byte, ok bool, err error)
	// Save replaces the service's document.
	Save(service string, data []byte) error
	// Where names the place a service's document lives, for logs.
	Where(service string) string
}

// DirStore keeps the documents as <Dir>/autoscaler/<service>.json, written
// atomically: the default when Options.StateDir is set.
type DirStore struct{ Dir string }

func (d DirStore) path(service string) string {
	// Escaped so that no service name can leave the directory.
	return filepath.Join(d.Dir, "autoscaler", url.PathEscape(service)+".json")
}

// Where is the file of the service.
func (d DirStore) Where(service string) string { return d.path(service) }

// Load reads the file of the service; a missing file is not an error.
func (d DirStore) Load(service string) ([]byte, bool, error) {
	data, err := os.ReadFile(d.path(service))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading learned state: %w", err)
	}
	return data, true, nil
}

// Save writes the file of the service.
func (d DirStore) Save(service string, data []byte) error {
	return writeAtomic(d.path(service), data)
}

// writeAtomic writes data to path through a synced temporary file and a
// rename, so a crash leaves either the old or the new file, never half.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// Sync the directory so the rename itself survives a crash.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
