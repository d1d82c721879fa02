package gateway

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// echoProto answers with what the server saw of the connection.
var echoProto = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "proto=%s tls=%v", r.Proto, r.TLS != nil)
})

func startServer(t *testing.T, h http.Handler, opts ServerOptions, addrs ...string) *Server {
	t.Helper()
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1:0"}
	}
	s, err := Listen(addrs, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

func tlsClient(serverName string, h2 bool) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ServerName: serverName}}
	p := new(http.Protocols)
	if h2 {
		p.SetHTTP2(true)
	} else {
		p.SetHTTP1(true)
	}
	tr.Protocols = p
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func getBody(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func peerSerial(t *testing.T, addr, sni string) int64 {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: sni})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

func TestTLSPicksCertificateBySNIAndReloads(t *testing.T) {
	dir := t.TempDir()
	a := testCert(t, dir, "a", 1, "a.test")
	b := testCert(t, dir, "b", 2, "*.b.test")
	s := startServer(t, echoProto, ServerOptions{TLS: &TLSOptions{Certificates: []CertFiles{a, b}, ReloadEvery: 20 * time.Millisecond}})
	addr := s.Addrs()[0]
	for sni, want := range map[string]int64{"a.test": 1, "x.b.test": 2, "unknown.test": 1, "": 1} {
		if got := peerSerial(t, addr, sni); got != want {
			t.Errorf("SNI %q: certificate serial %d, want %d", sni, got, want)
		}
	}
	testCert(t, dir, "b", 3, "*.b.test") // renewal in place
	deadline := time.Now().Add(3 * time.Second)
	for peerSerial(t, addr, "x.b.test") != 3 {
		if time.Now().After(deadline) {
			t.Fatal("renewed certificate was not picked up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTLSBrokenRenewalKeepsServing(t *testing.T) {
	dir := t.TempDir()
	a := testCert(t, dir, "a", 1, "a.test")
	s := startServer(t, echoProto, ServerOptions{TLS: &TLSOptions{Certificates: []CertFiles{a}, ReloadEvery: 10 * time.Millisecond}})
	writeAtomic(t, a.Cert, []byte("not a certificate"))
	time.Sleep(100 * time.Millisecond)
	if got := peerSerial(t, s.Addrs()[0], "a.test"); got != 1 {
		t.Fatalf("serial %d after a broken renewal, want the old certificate", got)
	}
}

func TestTLSALPNAndMinVersion(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, echoProto, ServerOptions{TLS: &TLSOptions{Certificates: []CertFiles{testCert(t, dir, "a", 1, "a.test")}}})
	url := "https://" + s.Addrs()[0] + "/"
	if _, body := getBody(t, tlsClient("a.test", true), url); body != "proto=HTTP/2.0 tls=true" {
		t.Errorf("h2 client: %q", body)
	}
	// HTTP/1.1 over TLS goes through the framing check, which hides the
	// *tls.Conn from net/http; the handler must still see TLS.
	if _, body := getBody(t, tlsClient("a.test", false), url); body != "proto=HTTP/1.1 tls=true" {
		t.Errorf("http/1.1 client: %q", body)
	}
	_, err := tls.Dial("tcp", s.Addrs()[0], &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11})
	if err == nil {
		t.Error("a TLS 1.1 handshake succeeded")
	}
}

func TestH2CPriorKnowledge(t *testing.T) {
	s := startServer(t, echoProto, ServerOptions{H2C: true})
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: p}, Timeout: 5 * time.Second}
	if _, body := getBody(t, c, "http://"+s.Addrs()[0]+"/"); body != "proto=HTTP/2.0 tls=false" {
		t.Errorf("h2c: %q", body)
	}
	if _, body := getBody(t, http.DefaultClient, "http://"+s.Addrs()[0]+"/"); body != "proto=HTTP/1.1 tls=false" {
		t.Errorf("http/1.1 on the h2c listener: %q", body)
	}
}

func TestRedirectHTTPListener(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, echoProto, ServerOptions{
		TLS:          &TLSOptions{Certificates: []CertFiles{testCert(t, dir, "a", 1, "a.test")}},
		RedirectHTTP: "127.0.0.1:0",
	})
	addrs := s.Addrs()
	_, tlsPort, _ := net.SplitHostPort(addrs[0])
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", "http://"+addrs[1]+"/p/q?x=1", nil)
	req.Host = "shop.test"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "https://shop.test:" + tlsPort + "/p/q?x=1"
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Fatalf("got %d %q, want 308 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func TestRedirectNeedsTLS(t *testing.T) {
	if _, err := Listen([]string{"127.0.0.1:0"}, echoProto, ServerOptions{RedirectHTTP: "127.0.0.1:0"}); err == nil {
		t.Fatal("redirect listener without TLS was accepted")
	}
}

func TestHeaderLimit(t *testing.T) {
	s := startServer(t, echoProto, ServerOptions{MaxHeaderBytes: 4096})
	req, _ := http.NewRequest("GET", "http://"+s.Addrs()[0]+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}

func TestSlowHeadersAreCut(t *testing.T) {
	s := startServer(t, echoProto, ServerOptions{ReadHeaderTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", s.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n") // never finishes
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server kept a slow client's connection open")
	}
}

func tlsDial(addr string) (net.Conn, error) {
	return tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
}

func contextTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
