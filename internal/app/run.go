package app

import (
	"context"
	"fmt"
)

// Run serves until ctx ends, reloading whenever reload delivers (SIGHUP),
// then drains. It returns an error if the app could not start or a
// listener failed.
func Run(ctx context.Context, opts Options, reload <-chan struct{}) error {
	a, err := New(opts)
	if err != nil {
		return err
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	if err := a.Start(watchCtx); err != nil {
		a.gw.Close()
		return err
	}
	failed := a.Err()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-reload:
			_ = a.Reload("signal")
		case err := <-failed:
			runErr = fmt.Errorf("listener stopped: %w", err)
			break loop
		}
	}
	a.log.Info("shutting down: draining in-flight requests")
	stopWatch()
	if err := a.Shutdown(context.Background()); err != nil {
		a.log.Warn("shutdown", "err", err)
	}
	return runErr
}
