package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/dashboard"
)

type sseMessage struct {
	event, data, retry string
}

// readMessage reads one Server-Sent Events message, checking that every
// line is a field the dashboard uses.
func readMessage(t *testing.T, r *bufio.Reader) (sseMessage, error) {
	t.Helper()
	var m sseMessage
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return m, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if m.event == "" && m.retry == "" {
				t.Errorf("empty SSE message")
			}
			return m, nil
		}
		field, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("malformed SSE line %q", line)
		}
		switch field {
		case "event":
			m.event = value
		case "data":
			if m.data != "" {
				t.Fatalf("message with two data lines")
			}
			m.data = value
		case "retry":
			m.retry = value
		default:
			t.Fatalf("unexpected SSE field %q", field)
		}
	}
}

// serve runs h on a loopback server and reports each time a request ends.
func serve(t *testing.T, h http.Handler) (*httptest.Server, <-chan string) {
	t.Helper()
	done := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		done <- r.URL.Path
	}))
	t.Cleanup(srv.Close)
	return srv, done
}

func openStream(t *testing.T, ctx context.Context, url string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/api/dashboard/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("opening stream: %v", err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream Content-Type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("stream Cache-Control = %q", cc)
	}
	return resp, bufio.NewReader(resp.Body)
}

func TestStreamMessages(t *testing.T) {
	h, src, clk := newStub(t, dashboard.Options{Interval: 5 * time.Millisecond})
	srv, _ := serve(t, h)
	_, r := openStream(t, t.Context(), srv.URL)

	first, err := readMessage(t, r)
	if err != nil || first.retry == "" {
		t.Fatalf("first message %+v (%v), want a retry hint", first, err)
	}
	msg, err := readMessage(t, r)
	if err != nil || msg.event != "snapshot" {
		t.Fatalf("second message %+v (%v), want the snapshot", msg, err)
	}
	var snap api.DashboardSnapshot
	if err := json.Unmarshal([]byte(msg.data), &snap); err != nil {
		t.Fatalf("snapshot data: %v", err)
	}
	if len(snap.Services) != 2 || len(snap.Services[0].Timeline) != 299 {
		t.Fatalf("snapshot: %d services, first with %d points; want 2 and 299", len(snap.Services), len(snap.Services[0].Timeline))
	}

	// One more second passes and an event happens: the stream sends the
	// event once and an update carrying only the new point.
	src.AddEvent(api.DashboardEvent{Time: start.Add(500 * time.Millisecond), Service: "svc", Kind: api.EventHealth, Text: "probe failed"})
	clk.Add(time.Second)
	var events []api.DashboardEvent
	var newPoints []api.DashboardPoint
	var now api.DashboardPoint
	for i := 0; i < 50 && (len(newPoints) == 0 || len(events) == 0); i++ {
		msg, err := readMessage(t, r)
		if err != nil {
			t.Fatalf("reading stream: %v", err)
		}
		switch msg.event {
		case "event":
			var e api.DashboardEvent
			if err := json.Unmarshal([]byte(msg.data), &e); err != nil {
				t.Fatal(err)
			}
			events = append(events, e)
		case "update":
			var u api.DashboardSnapshot
			if err := json.Unmarshal([]byte(msg.data), &u); err != nil {
				t.Fatal(err)
			}
			if u.Events != nil {
				t.Errorf("update repeats the event list")
			}
			newPoints = append(newPoints, u.Services[0].Timeline...)
			now = u.Services[0].Now
		default:
			t.Fatalf("unexpected message %q", msg.event)
		}
	}
	if len(newPoints) != 1 || !newPoints[0].Time.Equal(start) || !now.Time.Equal(start) {
		t.Errorf("new points %+v, now %+v; want exactly the second starting %v", newPoints, now, start)
	}
	if len(events) != 1 || events[0].Text != "probe failed" {
		t.Errorf("events %+v, want the one added", events)
	}
	// Later updates keep Now at the newest point and send no event again.
	for range 5 {
		msg, err := readMessage(t, r)
		if err != nil {
			t.Fatal(err)
		}
		if msg.event == "event" {
			t.Errorf("event sent twice: %s", msg.data)
		}
		var u api.DashboardSnapshot
		_ = json.Unmarshal([]byte(msg.data), &u)
		if len(u.Services[0].Timeline) != 0 || !u.Services[0].Now.Time.Equal(start) {
			t.Errorf("idle update: %d points, now %v", len(u.Services[0].Timeline), u.Services[0].Now.Time)
		}
	}
}

func TestStreamEndsWhenClientLeaves(t *testing.T) {
	h, _, _ := newStub(t, dashboard.Options{Interval: 10 * time.Millisecond})
	srv, done := serve(t, h)
	ctx, cancel := context.WithCancel(t.Context())
	_, r := openStream(t, ctx, srv.URL)
	if _, err := readMessage(t, r); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case path := <-done:
		if path != "/api/dashboard/stream" {
			t.Fatalf("ended: %s", path)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream handler still running after the client went away")
	}
}

func TestCloseEndsStreams(t *testing.T) {
	h, _, _ := newStub(t, dashboard.Options{Interval: 10 * time.Millisecond})
	srv, done := serve(t, h)
	_, r := openStream(t, t.Context(), srv.URL)
	if _, err := readMessage(t, r); err != nil {
		t.Fatal(err)
	}
	h.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stream handler still running after Close")
	}
	// The body ends cleanly once the handler returned.
	if _, err := io.Copy(io.Discard, r); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading the closed stream: %v", err)
	}
	// A stream opened after Close ends after its first snapshot.
	_, r2 := openStream(t, t.Context(), srv.URL)
	var msgs int
	for {
		if _, err := readMessage(t, r2); err != nil {
			break
		}
		msgs++
	}
	if msgs != 2 {
		t.Errorf("stream after Close sent %d messages, want the retry hint and the snapshot", msgs)
	}
}
