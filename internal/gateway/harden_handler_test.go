package gateway

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/proxy"
)

func forwarderTo(t *testing.T, origin string, opts proxy.TransportOptions) http.Handler {
	t.Helper()
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	tr := proxy.NewTransport(opts)
	t.Cleanup(tr.CloseIdleConnections)
	fwd := proxy.NewReverseProxy(tr, slog.New(slog.DiscardHandler))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fwd.Forward(w, r, u) })
}

func TestTrustedProxiesDecideForwardedHeaders(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Get("X-Forwarded-For"))
	}))
	defer origin.Close()
	h := forwarderTo(t, origin.URL, proxy.TransportOptions{})
	ask := func(addr string) string {
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req.Header.Set("X-Forwarded-For", "198.51.100.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	trusting := startServer(t, h, ServerOptions{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if got := ask(trusting.Addrs()[0]); got != "198.51.100.1, 127.0.0.1" {
		t.Errorf("from a trusted network: X-Forwarded-For %q", got)
	}
	other := startServer(t, h, ServerOptions{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	if got := ask(other.Addrs()[0]); got != "127.0.0.1" {
		t.Errorf("from an untrusted client: X-Forwarded-For %q", got)
	}
}

func h2cClient() *http.Client {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: p}, Timeout: 5 * time.Second}
}

func TestGRPCDeadlineAndGatewayErrors(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Go's server notices a vanished client only once the body has
		// been read, so read it before waiting.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer origin.Close()
	s := startServer(t, forwarderTo(t, origin.URL, proxy.TransportOptions{}), ServerOptions{H2C: true})
	req, _ := http.NewRequest("POST", "http://"+s.Addrs()[0]+"/pkg.Svc/Call", strings.NewReader("\x00\x00\x00\x00\x00"))
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Grpc-Timeout", "100m")
	start := time.Now()
	resp, err := h2cClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if time.Since(start) > 3*time.Second {
		t.Errorf("grpc-timeout was not applied")
	}
	if resp.StatusCode != 200 || resp.Header.Get("Grpc-Status") != "4" || len(body) != 0 {
		t.Fatalf("got %d grpc-status=%q body=%q", resp.StatusCode, resp.Header.Get("Grpc-Status"), body)
	}

	plain, _ := http.NewRequest("POST", "http://"+s.Addrs()[0]+"/", strings.NewReader("x"))
	plain.Header.Set("Content-Type", "text/plain")
	ctx, cancel := contextTimeout(200 * time.Millisecond)
	defer cancel()
	resp, err = h2cClient().Do(plain.WithContext(ctx))
	if err == nil {
		resp.Body.Close()
		t.Errorf("a non-gRPC request answered %d without the client's deadline", resp.StatusCode)
	}
}
