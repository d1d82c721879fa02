package proxy

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

type sinkRecorder struct {
	*httptest.ResponseRecorder
	kind ErrorKind
}

func (s *sinkRecorder) SetUpstreamError(k ErrorKind, _ error) { s.kind = k }

func newTestProxy(t *testing.T, opts TransportOptions) *ReverseProxy {
	t.Helper()
	tr := NewTransport(opts)
	t.Cleanup(tr.CloseIdleConnections)
	return NewReverseProxy(tr, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestForwardKeepsHostQueryAndSetsForwarded(t *testing.T) {
	var got *http.Request
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(r.Context())
		w.Header().Set("X-Origin", "yes")
		_, _ = io.WriteString(w, "hello")
	}))
	defer origin.Close()
	p := newTestProxy(t, TransportOptions{})

	req := httptest.NewRequest("GET", "http://shop.example.com/a/b?z=1&a=%zz&a=2", nil)
	req.RemoteAddr = "192.0.2.7:5555"
	req.Header.Set("X-Forwarded-For", "6.6.6.6") // untrusted: must not survive
	rec := &sinkRecorder{ResponseRecorder: httptest.NewRecorder()}
	p.Forward(rec, req, mustURL(t, origin.URL))

	if rec.Code != 200 || rec.Body.String() != "hello" || rec.Header().Get("X-Origin") != "yes" {
		t.Fatalf("response = %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	if got.Host != "shop.example.com" {
		t.Errorf("Host = %q, want the client's host", got.Host)
	}
	if got.URL.RawQuery != "z=1&a=%zz&a=2" {
		t.Errorf("query = %q, want it unchanged", got.URL.RawQuery)
	}
	if xff := got.Header.Get("X-Forwarded-For"); xff != "192.0.2.7" {
		t.Errorf("X-Forwarded-For = %q, want only the connection's address", xff)
	}
	if got.Header.Get("X-Forwarded-Host") != "shop.example.com" {
		t.Errorf("X-Forwarded-Host = %q", got.Header.Get("X-Forwarded-Host"))
	}
	if rec.kind != ErrNone {
		t.Errorf("error kind = %v on success", rec.kind)
	}
}

func TestForwardRefusedIs502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	p := newTestProxy(t, TransportOptions{ConnectTimeout: time.Second})
	rec := &sinkRecorder{ResponseRecorder: httptest.NewRecorder()}
	p.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, "http://"+addr))
	if rec.Code != 502 || rec.kind != ErrConnect || rec.Header().Get("Shoal-Error") != "upstream-connect-failed" {
		t.Fatalf("got %d kind=%v header=%q", rec.Code, rec.kind, rec.Header().Get("Shoal-Error"))
	}
}

func TestForwardSlowOriginIs504(t *testing.T) {
	release := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer origin.Close()
	defer close(release)
	p := newTestProxy(t, TransportOptions{ResponseHeaderTimeout: 100 * time.Millisecond})
	rec := &sinkRecorder{ResponseRecorder: httptest.NewRecorder()}
	p.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, origin.URL))
	if rec.Code != 504 || rec.kind != ErrTimeout {
		t.Fatalf("got %d kind=%v", rec.Code, rec.kind)
	}
}

func TestForwardResetIs502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1024)
			_, _ = c.Read(buf)
			c.(*net.TCPConn).SetLinger(0) // RST instead of FIN
			c.Close()
		}
	}()
	p := newTestProxy(t, TransportOptions{})
	rec := &sinkRecorder{ResponseRecorder: httptest.NewRecorder()}
	p.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, "http://"+ln.Addr().String()))
	if rec.Code != 502 || rec.kind != ErrReset {
		t.Fatalf("got %d kind=%v", rec.Code, rec.kind)
	}
}

func TestForwardStreamsWithoutBuffering(t *testing.T) {
	step := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-step
		_, _ = io.WriteString(w, "data: two\n\n")
	}))
	defer origin.Close()
	p := newTestProxy(t, TransportOptions{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Forward(w, r, mustURL(t, origin.URL))
	}))
	defer front.Close()
	resp, err := http.Get(front.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, err := resp.Body.Read(buf)
	if err != nil || !strings.Contains(string(buf[:n]), "one") {
		t.Fatalf("first event not delivered before the second was written: %q %v", buf[:n], err)
	}
	close(step)
	rest, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(rest), "two") {
		t.Fatalf("second event missing: %q", rest)
	}
}

func TestClassifyClosedConnectionIsReset(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	err := &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed}}
	if k := Classify(r, err); k != ErrReset {
		t.Errorf("write to a closed connection classified as %v, want reset", k)
	}
}
