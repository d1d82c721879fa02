package app

import (
	"strings"

	"github.com/shoal-gw/shoal/internal/api"
)

// The methods below implement admin.Controller.

func (a *App) ConfigSource() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.source
}

func (a *App) ReloadStatus() api.ReloadStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.status
	if st.LastAttempt != nil {
		at := *st.LastAttempt
		st.LastAttempt = &at
	}
	return st
}

func (a *App) Routes() []api.RouteInfo { return a.gw.Routes() }
func (a *App) Ready() bool             { return a.ready.Load() }

// errorLines splits an error into one problem per line: config.ErrorList
// and errors.Join both print one problem per line.
func errorLines(err error) []string {
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
