package headers

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Streaming must still work through the wrapper: the first chunk reaches the
// client, with the changed headers, while the handler is still running.
func TestFlushStreamsThroughWrapper(t *testing.T) {
	mw, err := New(Options{Response: Ops{Set: []Header{{"X-Stream", "yes"}}}})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-release // the client must read "first" before we finish
		io.WriteString(w, "second\n")
	})))
	defer srv.Close()
	defer close(release)

	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Stream") != "yes" {
		t.Errorf("streamed response lost the header change: %v", resp.Header)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk = %q, %v", line, err)
	}
}

// A protocol upgrade through httputil.ReverseProxy hijacks the connection via
// http.ResponseController; the wrapper must allow it and still add its headers
// to the 101. (ReverseProxy copies the origin's 101 headers in after the hijack,
// so Remove/Set cannot reach those; see the Hijack comment.)
func TestUpgradeThroughReverseProxy(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want upgrade", http.StatusBadRequest)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("origin hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Origin: 1\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo: " + line)
		brw.Flush()
	}))
	defer origin.Close()
	target, _ := url.Parse(origin.URL)
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}

	mw, err := New(Options{Response: Ops{Set: []Header{{"X-Gateway", "shoal"}}}})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(mw(rp))
	defer gw.Close()

	conn, err := net.Dial("tcp", gw.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: gw\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	if resp.Header.Get("X-Gateway") != "shoal" || resp.Header.Get("X-Origin") != "1" {
		t.Errorf("101 headers not changed: %v", resp.Header)
	}
	io.WriteString(conn, "hello\n")
	got, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(got, "echo: hello") {
		t.Fatalf("tunnel reply %q, %v", got, err)
	}
}
