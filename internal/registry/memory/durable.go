package memory

import (
	"fmt"
	"path/filepath"
	"sort"
)

// commitLocked makes ops durable (one write, one fsync) and only then applies
// them to memory, so a caller never sees a change that a crash could undo.
// s.mu must be held.
func (s *Store) commitLocked(ops ...op) error {
	if s.broken != nil {
		return fmt.Errorf("registry log unusable after an earlier write error: %w", s.broken)
	}
	buf := s.encodeTo[:0]
	for _, o := range ops {
		var err error
		if buf, err = appendRecord(buf, o); err != nil {
			return err
		}
	}
	s.encodeTo = buf
	if _, err := s.wal.WriteAt(buf, s.walSize); err != nil {
		return s.repairLocked(fmt.Errorf("appending to registry log: %w", err))
	}
	if err := s.wal.Sync(); err != nil {
		return s.repairLocked(fmt.Errorf("syncing registry log: %w", err))
	}
	s.walSize += int64(len(buf))
	s.records += len(ops)
	for _, o := range ops {
		if err := s.apply(o); err != nil {
			return err
		}
	}
	if s.records >= s.opts.CompactAfter && s.records >= 4*s.countLocked() {
		if err := s.compactLocked(); err != nil {
			// The change itself is durable; a failed compaction only means
			// the log keeps growing until the next attempt succeeds.
			s.log.Error("registry compaction failed", "err", err)
		}
	}
	return nil
}

// repairLocked cuts a partly written record off the log so later appends do
// not land behind garbage that replay would stop at.
func (s *Store) repairLocked(cause error) error {
	if err := s.wal.Truncate(s.walSize); err != nil {
		s.broken = fmt.Errorf("%w (and cutting it back failed: %v)", cause, err)
		return s.broken
	}
	return cause
}

// compactLocked writes the live state as a new snapshot and empties the log.
// If the process dies between the two steps, replay applies the old log on top
// of the new snapshot, which its idempotent records make harmless.
func (s *Store) compactLocked() error {
	var buf []byte
	svcs := make([]string, 0, len(s.services))
	for svc := range s.services {
		svcs = append(svcs, svc)
	}
	sort.Strings(svcs)
	for _, svc := range svcs {
		for _, inst := range s.services[svc] {
			var err error
			if buf, err = appendRecord(buf, putOp(inst)); err != nil {
				return err
			}
		}
	}
	if err := writeFileSync(s.dir, filepath.Join(s.dir, snapshotName), buf); err != nil {
		return fmt.Errorf("writing registry snapshot: %w", err)
	}
	if err := s.wal.Truncate(0); err != nil {
		return fmt.Errorf("emptying registry log: %w", err)
	}
	if err := s.wal.Sync(); err != nil {
		return fmt.Errorf("syncing emptied registry log: %w", err)
	}
	s.walSize = 0
	s.records = 0
	return nil
}
