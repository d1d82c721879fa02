package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchFile calls onChange after the file at path changed and then stayed
// quiet for debounce. It watches the directory, not the file, because
// editors and Kubernetes ConfigMap mounts replace files by rename, which
// drops a watch on the file itself.
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
	dir := filepath.Dir(abs)
	if err := w.Add(dir); err != nil {
		_ = w.Close()
		return fmt.Errorf("watching %s: %w", dir, err)
	}
	go func() {
		defer w.Close()
		var timer *time.Timer
		var fire <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				if timer != nil {
					timer.Stop()
				}
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				// ConfigMaps swap a "..data" symlink; any event in the
				// directory that could change what path resolves to counts.
				if filepath.Clean(ev.Name) != abs && filepath.Base(ev.Name) != "..data" {
					continue
				}
				if timer == nil {
					timer = time.NewTimer(debounce)
				} else {
					timer.Reset(debounce)
				}
				fire = timer.C
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				log.Warn("config watcher error", "err", err)
			case <-fire:
				fire = nil
				onChange()
			}
		}
	}()
	return nil
}
