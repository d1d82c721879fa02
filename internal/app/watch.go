package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchFile calls onChange after the file at path changed and then stayed
// quiet for debounce.
//
// It watches directories, not the file, because editors and Kubernetes
// ConfigMap mounts replace files by rename, which drops a watch on the file
// itself. A ConfigMap volume is a chain of symlinks: shoal.yaml → ..data/
// shoal.yaml, ..data → ..2026_11_23_14_30_00.123456/; the kubelet writes a
// new timestamped directory, points ..data_tmp at it, renames it over ..data
// and deletes the old directory. So the watcher follows the chain: it
// watches the directory holding every symlink on the way and the real
// file's directory, fires when an event names a link of the chain or the
// chain now ends somewhere else, and re-follows the chain after each event
// (the old real directory is gone after a swap, and its watch with it).
func watchFile(ctx context.Context, path string, debounce time.Duration, log *slog.Logger, onChange func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("starting config watcher: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		_ = w.Close()
		return fmt.Errorf("resolving %s: %w", path, err)
	}
	fw := &fileWatch{w: w, abs: abs, watched: map[string]bool{}}
	if err := w.Add(filepath.Dir(abs)); err != nil {
		_ = w.Close()
		return fmt.Errorf("watching %s: %w", filepath.Dir(abs), err)
	}
	fw.watched[filepath.Dir(abs)] = true
	fw.follow(log)
	go fw.loop(ctx, debounce, log, onChange)
	return nil
}

// fileWatch is the state of one watchFile goroutine.
type fileWatch struct {
	w       *fsnotify.Watcher
	abs     string
	real    string          // where the chain ended last time ("" if it did not)
	links   map[string]bool // every path on the chain, abs and real included
	watched map[string]bool // directories with a watch
}

func (fw *fileWatch) loop(ctx context.Context, debounce time.Duration, log *slog.Logger, onChange func()) {
	defer fw.w.Close()
	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		case ev, ok := <-fw.w.Events:
			if !ok {
				return
			}
			named := fw.links[filepath.Clean(ev.Name)]
			moved := fw.follow(log)
			if !named && !moved {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(debounce)
			} else {
				timer.Reset(debounce)
			}
			fire = timer.C
		case err, ok := <-fw.w.Errors:
			if !ok {
				return
			}
			log.Warn("config watcher error", "err", err)
		case <-fire:
			fire = nil
			onChange()
		}
	}
}

// follow resolves the chain again, adds watches for directories new on it
// and reports whether the chain now ends at another file.
func (fw *fileWatch) follow(log *slog.Logger) bool {
	real, links, err := symlinkChain(fw.abs)
	if err != nil {
		// Mid-swap or deleted: keep the old watches; the next event retries.
		real = ""
	}
	fw.links = links
	for l := range links {
		dir := filepath.Dir(l)
		if fw.watched[dir] {
			continue
		}
		if err := fw.w.Add(dir); err != nil {
			log.Debug("config watcher: cannot watch directory yet", "dir", dir, "err", err)
			continue
		}
		fw.watched[dir] = true
	}
	// Directories that left the chain are dropped; a removed directory has
	// already lost its watch, so the error is expected and ignored.
	for dir := range fw.watched {
		if dir == filepath.Dir(fw.abs) || onChain(dir, links) {
			continue
		}
		_ = fw.w.Remove(dir)
		delete(fw.watched, dir)
	}
	moved := real != fw.real
	fw.real = real
	return moved
}

func onChain(dir string, links map[string]bool) bool {
	for l := range links {
		if filepath.Dir(l) == dir {
			return true
		}
	}
	return false
}

// symlinkChain resolves path like filepath.EvalSymlinks, and also returns
// every path it went through: path itself, each symlink met on the way
// (at any component) and the final real path.
func symlinkChain(path string) (string, map[string]bool, error) {
	links := map[string]bool{path: true}
	const maxLinks = 40 // the kernel's own limit for one lookup
	hops := 0
	pending := strings.Split(strings.TrimPrefix(filepath.Clean(path), "/"), "/")
	cur := "/"
	for len(pending) > 0 {
		part := pending[0]
		pending = pending[1:]
		if part == "" || part == "." {
			continue
		}
		if part == ".." {
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", links, fmt.Errorf("resolving %s: %w", path, err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > maxLinks {
			return "", links, fmt.Errorf("resolving %s: too many symlinks", path)
		}
		links[next] = true
		target, err := os.Readlink(next)
		if err != nil {
			return "", links, fmt.Errorf("resolving %s: %w", path, err)
		}
		if filepath.IsAbs(target) {
			cur = "/"
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	links[cur] = true
	return cur, links, nil
}
