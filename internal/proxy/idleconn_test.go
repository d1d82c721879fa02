package proxy

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// idleProxy is a gateway-like server forwarding to origin over a transport
// with the given idle timeout.
func idleProxy(t *testing.T, origin string, idle time.Duration) *httptest.Server {
	t.Helper()
	tr := NewTransport(TransportOptions{IdleTimeout: idle})
	t.Cleanup(tr.CloseIdleConnections)
	fwd := NewReverseProxy(tr, slog.New(slog.DiscardHandler))
	target, _ := url.Parse(origin)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fwd.Forward(w, r, target)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestConnIdleTimeoutCutsAStalledBody(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("start"))
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // then silence
	}))
	defer origin.Close()
	resp, err := http.Get(idleProxy(t, origin.URL, 100*time.Millisecond).URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil || string(body) != "start" {
		t.Fatalf("body %q err %v; want the start and then a cut", body, err)
	}
}

func TestConnIdleTimeoutSparesAStreamThatKeepsMoving(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// 300ms in all, never 100ms silent.
		for i := range 10 {
			fmt.Fprintf(w, "%d", i)
			http.NewResponseController(w).Flush()
			time.Sleep(30 * time.Millisecond)
		}
	}))
	defer origin.Close()
	srv := idleProxy(t, origin.URL, 100*time.Millisecond)
	for range 2 { // the second request reuses the pooled connection
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "0123456789" {
			t.Fatalf("body %q err %v", body, err)
		}
	}
}

func TestConnIdleTimeoutSparesUpgradedTunnels(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, err := brw.ReadString('\n')
		if err != nil {
			return
		}
		time.Sleep(250 * time.Millisecond) // silent longer than the idle timeout
		brw.WriteString("echo " + line)
		brw.Flush()
	}))
	defer origin.Close()
	srv := idleProxy(t, origin.URL, 100*time.Millisecond)
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "echo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rw := resp.Body.(io.ReadWriter)
	io.WriteString(rw, "hi\n")
	got, err := bufio.NewReader(rw).ReadString('\n')
	if err != nil || strings.TrimSpace(got) != "echo hi" {
		t.Fatalf("tunnel answer %q err %v", got, err)
	}
}
