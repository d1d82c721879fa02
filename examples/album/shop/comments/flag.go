package comments

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

const (
	modeError = "error" // answer 500 at once
	modeHang  = "hang"  // hold the request until the client gives up
)

// failFlag reads the shared failure state from a file of the form
// "MODE UNIX_NANOS". It re-reads the file at most every refresh, so the
// request path costs a stat a few times a second, not per request.
type failFlag struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	checked time.Time
	mode    string
	until   time.Time
}

const refresh = 100 * time.Millisecond

func newFailFlag(path string, log *slog.Logger) *failFlag {
	return &failFlag{path: path, log: log}
}

func (f *failFlag) set(mode string, until time.Time) error {
	body := fmt.Sprintf("%s %d\n", mode, until.UnixNano())
	if err := os.WriteFile(f.path, []byte(body), 0o644); err != nil {
		return fmt.Errorf("writing flag file: %w", err)
	}
	f.mu.Lock()
	f.checked = time.Time{}
	f.mu.Unlock()
	return nil
}

func (f *failFlag) clear() error {
	if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing flag file: %w", err)
	}
	f.mu.Lock()
	f.checked = time.Time{}
	f.mu.Unlock()
	return nil
}

// current returns the active failure mode, or "" when healthy.
func (f *failFlag) current(now time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.checked) >= refresh {
		f.checked = now
		f.mode, f.until = "", time.Time{}
		if b, err := os.ReadFile(f.path); err == nil {
			var mode string
			var nanos int64
			if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%s %d", &mode, &nanos); err == nil {
				f.mode, f.until = mode, time.Unix(0, nanos)
			}
		}
	}
	if f.mode == "" || !now.Before(f.until) {
		return ""
	}
	return f.mode
}

// failing answers the request as the failure mode says and reports whether
// it did.
func (f *failFlag) failing(w http.ResponseWriter, r *http.Request) bool {
	switch f.current(time.Now()) {
	case modeError:
		http.Error(w, "comments database unavailable", http.StatusInternalServerError)
		return true
	case modeHang:
		// Bounded, so a client without a timeout does not hold a worker
		// forever.
		t := time.NewTimer(30 * time.Second)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		http.Error(w, "comments database timed out", http.StatusGatewayTimeout)
		return true
	}
	return false
}
