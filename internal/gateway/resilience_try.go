package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/internal/proxy"
)

// tryWriter stands between the forwarder and the client for one try of a
// request that may be retried. Until the answer is known to be final it
// keeps the response headers to itself; when the try failed in a way the
// retry policy covers, and the policy allows another try, it swallows the
// answer so that the next try can write a clean one.
//
// With a nil retry function it only notes the outcome and passes
// everything through.
type tryWriter struct {
	w      http.ResponseWriter
	h      http.Header                                 // nil: pass-through
	retry  func(kind proxy.ErrorKind, status int) bool // decides once
	status int
	kind   proxy.ErrorKind
	// decided: the retry question was asked; swallow: the answer was yes;
	// committed: headers went to the client.
	decided, swallow, committed bool
	// hedged: this try races others for the client, so it must not write
	// anything (interim answers included) before it wins.
	hedged bool
	// idle timeout: armed when the headers go out, re-armed by every
	// write; when it fires the try is cancelled and the stalled body cut.
	idle      time.Duration
	idleStop  context.CancelFunc
	idleTimer *time.Timer
}

func (t *tryWriter) watchIdle(d time.Duration, cancel context.CancelFunc) {
	t.idle, t.idleStop = d, cancel
}

func (t *tryWriter) stopIdle() {
	if t.idleTimer != nil {
		t.idleTimer.Stop()
	}
}

func (t *tryWriter) armIdle() {
	if t.idle <= 0 {
		return
	}
	if t.idleTimer == nil {
		t.idleTimer = time.AfterFunc(t.idle, t.idleStop)
		return
	}
	t.idleTimer.Reset(t.idle)
}

func newTryWriter(w http.ResponseWriter, retry func(proxy.ErrorKind, int) bool) *tryWriter {
	t := &tryWriter{w: w, retry: retry}
	if retry != nil {
		t.h = make(http.Header)
	} else {
		t.decided = true
	}
	return t
}

func (t *tryWriter) Header() http.Header {
	if t.committed || t.h == nil {
		return t.w.Header()
	}
	return t.h
}

// SetUpstreamError implements proxy.ErrorSink: the forwarder failed. The
// client's own recorder only hears of it when the failure is final.
func (t *tryWriter) SetUpstreamError(kind proxy.ErrorKind, err error) {
	t.kind = kind
	if !t.decided {
		t.decided = true
		t.swallow = t.retry(kind, 0)
	}
	if !t.swallow {
		if s := errorSinkOf(t.w); s != nil {
			s.SetUpstreamError(kind, err)
		}
	}
}

func (t *tryWriter) WriteHeader(code int) {
	if t.committed || t.swallow {
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		if t.hedged {
			return // only a winner may write; hints are optional
		}
		// An interim answer (100, 103) goes out as is; the forwarder
		// clears the headers it set for it, so they must not linger in
		// the client's header map either.
		dst := t.w.Header()
		for k, v := range t.h {
			dst[k] = v
		}
		t.w.WriteHeader(code)
		for k := range t.h {
			dst.Del(k)
		}
		return
	}
	t.status = code
	if !t.decided {
		t.decided = true
		if t.swallow = t.retry(proxy.ErrNone, code); t.swallow {
			return
		}
	}
	dst := t.w.Header()
	for k, v := range t.h {
		dst[k] = v
	}
	t.committed = true
	t.w.WriteHeader(code)
	if code != http.StatusSwitchingProtocols {
		t.armIdle()
	}
}

func (t *tryWriter) Write(b []byte) (int, error) {
	if t.swallow {
		return len(b), nil
	}
	if !t.committed {
		t.WriteHeader(http.StatusOK)
		if t.swallow {
			return len(b), nil
		}
	}
	n, err := t.w.Write(b)
	t.armIdle()
	return n, err
}

// FlushError lets http.ResponseController flush, but only an answer that
// is going to the client.
func (t *tryWriter) FlushError() error {
	if !t.committed {
		return nil
	}
	return http.NewResponseController(t.w).Flush()
}

// Unwrap reaches the connection for hijacking (upgrades) and deadlines.
func (t *tryWriter) Unwrap() http.ResponseWriter { return t.w }

// errorSinkOf finds the first proxy.ErrorSink in w's wrapper chain.
func errorSinkOf(w http.ResponseWriter) proxy.ErrorSink {
	for {
		if s, ok := w.(proxy.ErrorSink); ok {
			return s
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}
