package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// captureOrigin records the request the origin received.
func captureOrigin(t *testing.T) (*httptest.Server, chan *http.Request) {
	t.Helper()
	got := make(chan *http.Request, 1)
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Clone(context.Background())
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(o.Close)
	return o, got
}

func TestForwardedTrustedExtendsUntrustedReplaces(t *testing.T) {
	origin, got := captureOrigin(t)
	p := newTestProxy(t, TransportOptions{})
	mk := func() *http.Request {
		r := httptest.NewRequest("GET", "http://shop.test/", nil)
		r.RemoteAddr = "10.1.2.3:4000"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Forwarded-Host", "public.test")
		r.Header.Set("Forwarded", "for=203.0.113.9;proto=https")
		return r
	}
	p.Forward(httptest.NewRecorder(), mk(), mustURL(t, origin.URL))
	r := <-got
	if r.Header.Get("X-Forwarded-For") != "10.1.2.3" || r.Header.Get("X-Forwarded-Proto") != "http" ||
		r.Header.Get("X-Forwarded-Host") != "shop.test" || r.Header.Get("Forwarded") != "for=10.1.2.3;host=shop.test;proto=http" {
		t.Errorf("untrusted client's claims survived: %v", r.Header)
	}
	in := mk()
	p.Forward(httptest.NewRecorder(), in.WithContext(WithTrustedForwarding(in.Context())), mustURL(t, origin.URL))
	r = <-got
	if r.Header.Get("X-Forwarded-For") != "203.0.113.9, 10.1.2.3" || r.Header.Get("X-Forwarded-Proto") != "https" ||
		r.Header.Get("X-Forwarded-Host") != "public.test" ||
		r.Header.Get("Forwarded") != "for=203.0.113.9;proto=https, for=10.1.2.3;host=shop.test;proto=http" {
		t.Errorf("trusted proxy's headers not extended: %v", r.Header)
	}
}

func TestForwardedElementQuotesIPv6(t *testing.T) {
	if got := forwardedElement("2001:db8::1", "a b", "https"); got != `for="[2001:db8::1]";host="a b";proto=https` {
		t.Fatalf("got %s", got)
	}
}

func TestH2CUpgradeIsNeverForwarded(t *testing.T) {
	origin, got := captureOrigin(t)
	p := newTestProxy(t, TransportOptions{})
	r := httptest.NewRequest("GET", "http://x/", nil)
	r.Header.Set("Connection", "Upgrade, HTTP2-Settings, X-Keep")
	r.Header.Set("Upgrade", "h2c")
	r.Header.Set("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA")
	r.Header.Set("X-Keep", "dropped as hop-by-hop")
	rec := httptest.NewRecorder()
	p.Forward(rec, r, mustURL(t, origin.URL))
	o := <-got
	for _, k := range []string{"Upgrade", "Http2-Settings", "Connection", "X-Keep"} {
		if v := o.Header.Get(k); v != "" {
			t.Errorf("origin received %s: %q", k, v)
		}
	}
	if rec.Code != 200 {
		t.Errorf("status %d", rec.Code)
	}
}

// rawOrigin answers every request with the bytes of resp.
func rawOrigin(t *testing.T, resp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				_, _ = io.WriteString(c, resp)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestHopByHopStrippedFrom1xxAndFinal(t *testing.T) {
	origin := rawOrigin(t, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nConnection: X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nConnection: X-Other\r\nX-Other: 2\r\nContent-Length: 2\r\n\r\nok")
	p := newTestProxy(t, TransportOptions{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Forward(w, r, mustURL(t, origin))
	}))
	defer front.Close()
	c, err := net.Dial("tcp", front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	tp := textproto.NewReader(bufio.NewReader(c))
	var interim, final textproto.MIMEHeader
	for final == nil {
		line, err := tp.ReadLine()
		if err != nil {
			t.Fatal(err)
		}
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(line, " 103 ") {
			interim = h
		} else {
			final = h
		}
	}
	if interim == nil || interim.Get("Link") == "" {
		t.Fatalf("103 not relayed: %v", interim)
	}
	for _, h := range []textproto.MIMEHeader{interim, final} {
		for _, k := range []string{"X-Secret", "Keep-Alive", "X-Other"} {
			if h.Get(k) != "" {
				t.Errorf("hop-by-hop %s relayed: %v", k, h)
			}
		}
	}
}

func TestRequestBodyLimit(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		fmt.Fprintf(w, "%d", len(b))
	}))
	defer origin.Close()
	tr := NewTransport(TransportOptions{})
	defer tr.CloseIdleConnections()
	p := NewReverseProxy(tr, discardLog(), WithMaxRequestBody(10))
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Forward(w, r, mustURL(t, origin.URL))
	}))
	defer front.Close()
	post := func(body io.Reader, length int64) int {
		req, _ := http.NewRequest("POST", front.URL, body)
		req.ContentLength = length
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post(strings.NewReader("0123456789"), 10); s != 200 {
		t.Errorf("10 bytes: %d", s)
	}
	if s := post(strings.NewReader("0123456789a"), 11); s != 413 {
		t.Errorf("declared 11 bytes: %d, want 413", s)
	}
	// Chunked, so only counting while streaming can catch it.
	if s := post(io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("abc")), -1); s != 413 {
		t.Errorf("streamed 13 bytes: %d, want 413", s)
	}
}

func TestLimitedBodyExact(t *testing.T) {
	b := &limitedBody{rc: io.NopCloser(strings.NewReader("abcd")), left: 4, limit: 4}
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "abcd" {
		t.Fatalf("%q %v", got, err)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestGRPCGatewayErrorsAreTrailersOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	p := newTestProxy(t, TransportOptions{ConnectTimeout: time.Second})
	r := httptest.NewRequest("POST", "/svc/Method", strings.NewReader("\x00\x00\x00\x00\x00"))
	r.Header.Set("Content-Type", "application/grpc")
	rec := httptest.NewRecorder()
	p.Forward(GRPCErrors(rec), r, mustURL(t, dead))
	if rec.Code != 200 || rec.Header().Get("Grpc-Status") != "14" || rec.Header().Get("Grpc-Message") != "upstream-connect-failed" || rec.Body.Len() != 0 {
		t.Fatalf("got %d %v body=%q", rec.Code, rec.Header(), rec.Body.String())
	}
	if rec.Header().Get("Content-Type") != "application/grpc" {
		t.Errorf("content type %q", rec.Header().Get("Content-Type"))
	}
}

func TestGRPCStatusMapping(t *testing.T) {
	for code, want := range map[int]int{502: 14, 503: 14, 504: 4, 404: 12, 413: 8, 400: 13} {
		if got := GRPCStatusFor(code); got != want {
			t.Errorf("HTTP %d → %d, want %d", code, got, want)
		}
	}
}

func TestParseGRPCTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"1S": time.Second, "250m": 250 * time.Millisecond, "99999999H": time.Duration(1<<63 - 1), "5n": 5} {
		if got, ok := ParseGRPCTimeout(in); !ok || got != want {
			t.Errorf("%q → %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "S", "1", "123456789S", "1x", "-1S", "1.5S"} {
		if _, ok := ParseGRPCTimeout(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func FuzzParseGRPCTimeout(f *testing.F) {
	for _, s := range []string{"1S", "250m", "99999999H", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseGRPCTimeout(s)
		if ok && d < 0 {
			t.Fatalf("%q → negative %v", s, d)
		}
	})
}

func TestIsGRPC(t *testing.T) {
	for ct, want := range map[string]bool{"application/grpc": true, "application/grpc+proto": true, "application/grpc-web": false, "application/json": false} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Content-Type", ct)
		if IsGRPC(r) != want {
			t.Errorf("%q: %v", ct, !want)
		}
	}
}
