package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// reconnectMS tells EventSource how long to wait before it reconnects after
// the stream broke (a gateway restart, say).
const reconnectMS = 2000

// serveStream sends, as Server-Sent Events:
//
//	event: snapshot   once, at the start: the full api.DashboardSnapshot
//	event: update     every Interval: the snapshot with only new timeline points
//	event: event      each api.DashboardEvent as it appears
//
// It returns when the client goes away, when a write fails or when the
// Handler is closed.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The admin listener may have a write timeout meant for short answers;
	// a stream lives as long as its viewer, so it clears the deadline.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		h.opts.Log.Debug("dashboard: clearing write deadline", "err", err)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no") // ask reverse proxies in front not to buffer
	w.WriteHeader(http.StatusOK)

	s := &streamer{h: h, w: w, rc: rc, lastPoint: map[string]time.Time{}}
	if err := s.sendFirst(); err != nil {
		h.opts.Log.Debug("dashboard: stream ended", "err", err)
		return
	}
	timer := time.NewTimer(untilNextFrame(time.Now(), h.opts.Interval))
	defer timer.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.closed:
			return
		case <-timer.C:
			if err := s.sendTick(); err != nil {
				h.opts.Log.Debug("dashboard: stream ended", "err", err)
				return
			}
			timer.Reset(untilNextFrame(time.Now(), h.opts.Interval))
		}
	}
}

// untilNextFrame is how long to wait for the next update: frames go out just
// after each whole Interval of the wall clock. The timeline holds complete
// seconds only, so a frame sent at, say, 0.99 s past a second would show a
// second that ended almost a second ago; one sent just after the boundary
// shows the second that just ended. It also puts every viewer's frames, and
// the admin API's reads between them, on the same second.
func untilNextFrame(now time.Time, interval time.Duration) time.Duration {
	// A little past the boundary, so the second has closed in every source
	// that rounds its clock.
	offset := min(interval/20, 50*time.Millisecond)
	next := now.Truncate(interval).Add(interval + offset)
	d := next.Sub(now)
	if d > interval {
		d -= interval // still before this boundary's offset
	}
	return d
}

// streamer is the state of one viewer's stream: what it has already sent.
type streamer struct {
	h         *Handler
	w         http.ResponseWriter
	rc        *http.ResponseController
	buf       bytes.Buffer
	lastPoint map[string]time.Time // newest timeline point sent, per service
	lastEvent time.Time            // newest event sent
}

func (s *streamer) sendFirst() error {
	now := s.h.opts.Now()
	snap := s.h.snapshot(now, true)
	s.remember(snap)
	s.lastEvent = now.Add(-s.h.opts.Window)
	if len(snap.Events) > 0 {
		s.lastEvent = snap.Events[0].Time // newest first
	}
	fmt.Fprintf(&s.buf, "retry: %d\n\n", reconnectMS)
	if err := s.frame("snapshot", snap); err != nil {
		return err
	}
	return s.flush()
}

func (s *streamer) sendTick() error {
	snap := s.h.snapshot(s.h.opts.Now(), false)
	for i := range snap.Services {
		svc := &snap.Services[i]
		if last, ok := s.lastPoint[svc.Name]; ok {
			svc.Timeline = pointsAfter(svc.Timeline, last)
		}
	}
	s.remember(snap)
	for _, e := range s.h.src.Events(s.lastEvent) {
		if err := s.frame("event", e); err != nil {
			return err
		}
		if e.Time.After(s.lastEvent) {
			s.lastEvent = e.Time
		}
	}
	if err := s.frame("update", snap); err != nil {
		return err
	}
	return s.flush()
}

// remember records the newest point of each service the snapshot carries.
func (s *streamer) remember(snap api.DashboardSnapshot) {
	for _, svc := range snap.Services {
		if n := len(svc.Timeline); n > 0 {
			s.lastPoint[svc.Name] = svc.Timeline[n-1].Time
		}
	}
}

// frame appends one SSE message. JSON from encoding/json holds no raw
// newline, so the payload fits one data line.
func (s *streamer) frame(event string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s message: %w", event, err)
	}
	s.buf.WriteString("event: ")
	s.buf.WriteString(event)
	s.buf.WriteString("\ndata: ")
	s.buf.Write(data)
	s.buf.WriteString("\n\n")
	return nil
}

func (s *streamer) flush() error {
	_, err := s.w.Write(s.buf.Bytes())
	s.buf.Reset()
	if err != nil {
		return fmt.Errorf("writing to the stream: %w", err)
	}
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("flushing the stream: %w", err)
	}
	return nil
}

// pointsAfter returns the points strictly after t (points are oldest first).
func pointsAfter(pts []api.DashboardPoint, t time.Time) []api.DashboardPoint {
	i := len(pts)
	for i > 0 && pts[i-1].Time.After(t) {
		i--
	}
	return pts[i:]
}
