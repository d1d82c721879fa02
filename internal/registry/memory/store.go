// Package memory is the embedded registry backend: instances live in memory
// and every change is appended to a write-ahead log and fsynced before the
// call returns, so a kill -9 loses no registration and no TTL deadline.
//
// Files under the directory: "registry.log" (the write-ahead log),
// "registry.snapshot" (the compacted state, replaced atomically) and "LOCK".
// Deadlines are stored as absolute times: after a restart an instance whose
// deadline passed while the gateway was down is expired at once, and every
// other one keeps the TTL it had left.
package memory

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
)

const (
	logName      = "registry.log"
	snapshotName = "registry.snapshot"
	lockName     = "LOCK"
)

// Options configure a Store. The zero value of each field is a usable default.
type Options struct {
	// SweepInterval is how often the janitor expires TTLs (default 1s).
	// List and Heartbeat never return an expired instance in between.
	SweepInterval time.Duration
	// CompactAfter is the number of log records after which the log is folded
	// into a snapshot, when the log also holds at least four records per live
	// instance (default 1024).
	CompactAfter int
	Logger       *slog.Logger
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
}

// Store is the durable in-memory registry. Create it with Open.
type Store struct {
	dir  string
	opts Options
	log  *slog.Logger
	hub  *registry.Hub

	mu       sync.Mutex
	services map[string]map[string]registry.Instance
	wal      *os.File
	walSize  int64 // bytes of intact records; a failed append is cut back to it
	records  int   // records in the log since the last compaction
	broken   error // set when the log could not be repaired after a failed write
	closed   bool
	lock     *os.File
	stop     chan struct{}
	janitor  sync.WaitGroup
	encodeTo []byte // reused append buffer
}

var _ registry.Registry = (*Store)(nil)

// Open loads (or creates) the registry kept in dir and starts the janitor.
// A torn record at the end of the log, left by a crash mid-write, is dropped
// with a warning; the state before it is kept.
func Open(dir string, opts Options) (*Store, error) {
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = time.Second
	}
	if opts.CompactAfter <= 0 {
		opts.CompactAfter = 1024
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating registry directory: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockName))
	if err != nil {
		return nil, err
	}
	s := &Store{
		dir:      dir,
		opts:     opts,
		log:      opts.Logger.With("component", "registry", "dir", dir),
		hub:      registry.NewHub(),
		services: make(map[string]map[string]registry.Instance),
		lock:     lock,
		stop:     make(chan struct{}),
	}
	if err := s.load(); err != nil {
		lock.Close()
		return nil, err
	}
	s.janitor.Add(1)
	go s.runJanitor()
	return s, nil
}

// load replays snapshot then log, drops what expired while we were down and
// compacts, so the process starts from one clean snapshot and an empty log.
func (s *Store) load() error {
	if err := s.replay(snapshotName, false); err != nil {
		return err
	}
	if err := s.replay(logName, true); err != nil {
		return err
	}
	now := s.opts.Now()
	expired := 0
	for svc, insts := range s.services {
		for id, inst := range insts {
			if inst.Expired(now) {
				delete(insts, id)
				expired++
			}
		}
		if len(insts) == 0 {
			delete(s.services, svc)
		}
	}
	wal, err := os.OpenFile(filepath.Join(s.dir, logName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("opening registry log: %w", err)
	}
	s.wal = wal
	if err := s.compactLocked(); err != nil {
		wal.Close()
		return err
	}
	s.log.Info("registry loaded", "instances", s.countLocked(), "expired_while_down", expired)
	return nil
}

// replay applies the records of one file. In the log a torn tail is expected
// after a crash: it is cut off with a warning. The snapshot is replaced by
// rename, so it is never torn; a corrupt one still only costs its tail.
func (s *Store) replay(name string, isLog bool) error {
	path := filepath.Join(s.dir, name)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening %s: %w", name, err)
	}
	defer f.Close()
	good, err := readRecords(f, s.apply)
	if err == nil {
		return nil
	}
	if !errors.Is(err, errTorn) {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	s.log.Warn("skipping corrupt tail of registry file (torn write from a crash?)", "file", name, "err", err, "kept_bytes", good)
	if isLog {
		if err := os.Truncate(path, good); err != nil {
			return fmt.Errorf("cutting torn tail of %s: %w", name, err)
		}
	}
	return nil
}

// apply changes the in-memory state for one record (replay and live writes).
func (s *Store) apply(o op) error {
	switch o.Op {
	case "put":
		if o.Instance == nil {
			return errors.New("put record without instance")
		}
		inst := *o.Instance
		m := s.services[inst.Service]
		if m == nil {
			m = make(map[string]registry.Instance)
			s.services[inst.Service] = m
		}
		m[inst.ID] = inst
	case "del":
		if m := s.services[o.Service]; m != nil {
			delete(m, o.ID)
			if len(m) == 0 {
				delete(s.services, o.Service)
			}
		}
	default:
		return fmt.Errorf("unknown record op %q", o.Op)
	}
	return nil
}

func (s *Store) countLocked() int {
	n := 0
	for _, m := range s.services {
		n += len(m)
	}
	return n
}

// Close stops the janitor, closes watchers and releases the files. Every
// change already returned is on disk; Close writes nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	s.janitor.Wait()
	s.hub.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	errWal := s.wal.Close()
	errLock := s.lock.Close()
	return errors.Join(errWal, errLock)
}
