// Package chaos runs the gateway in-process against real backends on
// loopback, with toxiproxy between them, and checks the resilience
// policies under latency, resets, black holes and outages.
package chaos

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

var tp *toxi

func TestMain(m *testing.M) {
	var err error
	tp, err = startToxiproxy(freeport.Ports)
	if err != nil {
		// scripts/install-deps.sh installs toxiproxy (or the harness builds
		// it); a missing one is a setup failure, not a reason to pass.
		fmt.Fprintln(os.Stderr, "chaos: toxiproxy did not start:", err)
		os.Exit(1)
	}
	code := m.Run()
	tp.stop()
	os.Exit(code)
}

// backend is a real HTTP server on loopback that counts requests.
type backend struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newBackend(t *testing.T, h http.HandlerFunc) *backend {
	t.Helper()
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) addr() string { return strings.TrimPrefix(b.srv.URL, "http://") }

func ok(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	_, _ = io.WriteString(w, "ok")
}

// gatewayFor builds a gateway from yaml and serves it on loopback. It
// returns the gateway (for its status API) and a client bound to it.
func gatewayFor(t *testing.T, yaml string) (*gateway.Gateway, string, *http.Client) {
	t.Helper()
	cfg, err := config.Parse("chaos.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	g := gateway.New(gateway.Options{})
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatalf("apply: %v", err)
	}
	srv := httptest.NewServer(g)
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		srv.Close()
		g.Close()
	})
	return g, srv.URL, client
}

// noLeaks fails the test when, after its cleanups ran, goroutines remain
// above the count at its start.
func noLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		var now int
		for range 100 {
			if now = runtime.NumGoroutine(); now <= before {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines: %d before, %d after\n%s", before, now, buf[:n])
	})
}

func get(t *testing.T, c *http.Client, url string, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	return send(t, c, "GET", url, "", hdr)
}

func send(t *testing.T, c *http.Client, method, url, body string, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}
