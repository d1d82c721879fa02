package autoscaler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// snapshotFile is what <StateDir>/autoscaler/<service>.json holds.
type snapshotFile struct {
	Version int       `json:"version"`
	Service string    `json:"service"`
	Policy  string    `json:"policy"`
	Saved   time.Time `json:"saved"`
	// State is the policy's own Snapshot (JSON).
	State json.RawMessage `json:"state"`
}

const snapshotFileVersion = 1

// path is the service's snapshot file, or "" without a state directory.
func (s *service) path() string {
	if s.c.opts.StateDir == "" {
		return ""
	}
	// Escaped so that no service name can leave the directory.
	return filepath.Join(s.c.opts.StateDir, "autoscaler", url.PathEscape(s.name)+".json")
}

// save writes the learned state of a persistent policy, atomically.
func (s *service) save() error {
	path := s.path()
	s.mu.Lock()
	s.savedAt = s.c.opts.Clock()
	p, ok := s.policy.(autoscale.Persistent)
	if path == "" || !ok {
		s.mu.Unlock()
		return nil
	}
	state, err := p.Snapshot()
	file := snapshotFile{Version: snapshotFileVersion, Service: s.name, Policy: s.policy.Name(), Saved: s.savedAt, State: state}
	s.mu.Unlock()
	if err == nil {
		var data []byte
		if data, err = json.Marshal(file); err == nil {
			err = writeAtomic(path, data)
		}
	}
	if err != nil {
		s.log.Warn("autoscaler: saving learned state", "path", path, "error", err)
		return fmt.Errorf("autoscaler %s: saving learned state: %w", s.name, err)
	}
	return nil
}

// load restores a saved snapshot into pol, a new policy. A missing file is
// normal; a corrupt or foreign one is logged and ignored, never fatal: the
// policy then learns from scratch.
func (s *service) load(pol autoscale.Policy) {
	path := s.path()
	p, ok := pol.(autoscale.Persistent)
	if path == "" || !ok {
		return
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var file snapshotFile
	if err == nil {
		err = json.Unmarshal(data, &file)
	}
	if err == nil && file.Version != snapshotFileVersion {
		err = fmt.Errorf("version %d, want %d", file.Version, snapshotFileVersion)
	}
	if err == nil && file.Policy != pol.Name() {
		s.log.Info("autoscaler: saved state is of another policy, starting fresh", "saved", file.Policy, "policy", pol.Name())
		return
	}
	if err == nil {
		err = p.Restore(file.State)
	}
	if err != nil {
		s.log.Warn("autoscaler: ignoring unreadable saved state", "path", path, "error", err)
		return
	}
	s.log.Info("autoscaler: restored learned state", "path", path, "saved", file.Saved)
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
