package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/proxy"
)

// bodyEcho answers with the request body, so a test can see where one
// request ended and the next began.
var bodyEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "%s %s body=%q", r.Method, r.URL.Path, b)
})

func rawExchange(t *testing.T, addr, raw string, responses int) ([]*http.Response, []string, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReader(c)
	var out []*http.Response
	var bodies []string
	for range responses {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading response %d: %v", len(out), err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, resp)
		bodies = append(bodies, string(b))
	}
	// Closed means EOF now, not a timeout.
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err = br.ReadByte()
	closed := err == io.EOF
	return out, bodies, closed
}

func TestContentLengthWithTransferEncodingIs400AndClose(t *testing.T) {
	s := startServer(t, bodyEcho, ServerOptions{})
	for _, te := range []string{"chunked", "gzip, chunked", "Chunked"} {
		raw := "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: " + te + "\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
			"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
		resps, _, closed := rawExchange(t, s.Addrs()[0], raw, 1)
		if resps[0].StatusCode != http.StatusBadRequest {
			t.Errorf("TE %q: status %d, want 400", te, resps[0].StatusCode)
		}
		if !closed {
			t.Errorf("TE %q: connection left open after the ambiguous request", te)
		}
	}
}

func TestFramingKeepsKeepAliveRequestsApart(t *testing.T) {
	s := startServer(t, bodyEcho, ServerOptions{})
	raw := "POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n" +
		// Looks like headers inside a body: must not be judged as a request.
		"POST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 45\r\n\r\nContent-Length: 1\r\nTransfer-Encoding: chunked" +
		"GET /four HTTP/1.1\r\nHost: x\r\n\r\n"
	_, bodies, closed := rawExchange(t, s.Addrs()[0], raw, 4)
	want := []string{`POST /one body="hello"`, `POST /two body="abc0123456789abcdef"`,
		`POST /three body="Content-Length: 1\r\nTransfer-Encoding: chunked"`, `GET /four body=""`}
	for i := range want {
		if bodies[i] != want[i] {
			t.Errorf("response %d = %s, want %s", i, bodies[i], want[i])
		}
	}
	if closed {
		t.Error("a well-framed keep-alive connection was closed")
	}
}

// trickle writes in 1-byte pieces, so every boundary in the state machine
// falls between two reads.
func TestFramingByteAtATime(t *testing.T) {
	s := startServer(t, bodyEcho, ServerOptions{})
	c, err := net.Dial("tcp", s.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw := "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" +
		"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
	go func() {
		for i := range len(raw) {
			if _, err := c.Write([]byte{raw[i]}); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	all, _ := io.ReadAll(c)
	if !bytes.Contains(all, []byte(`body="hi"`)) || !bytes.Contains(all, []byte("400 Bad Request")) {
		t.Fatalf("got %q", all)
	}
}

func TestFramingOnTLSHTTP1(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, bodyEcho, ServerOptions{TLS: &TLSOptions{Certificates: []CertFiles{testCert(t, dir, "a", 1, "a.test")}}})
	c, err := tlsDial(s.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	all, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(all), "HTTP/1.1 400 ") {
		t.Fatalf("got %q", all)
	}
}

// A client whose chunked body breaks mid-stream gets 400, and the endpoint
// is not blamed with a 502.
func TestBrokenClientBodyIs400(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer origin.Close()
	s := startServer(t, forwarderTo(t, origin.URL, proxy.TransportOptions{}), ServerOptions{})
	for name, raw := range map[string]string{
		"bad chunk size": "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
		"short body":     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
	} {
		c, err := net.Dial("tcp", s.Addrs()[0])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, raw)
		if name == "short body" {
			_ = c.(*net.TCPConn).CloseWrite()
		}
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			// The client half-closed: no answer is acceptable, a 502 is not.
			c.Close()
			continue
		}
		resp.Body.Close()
		c.Close()
		// A half-closed client counts as gone (499); what matters is that
		// neither case is answered as the endpoint's failure.
		if resp.StatusCode != http.StatusBadRequest && !(name == "short body" && resp.StatusCode == proxy.StatusClientClosed) {
			t.Errorf("%s: status %d (%s), want 400", name, resp.StatusCode, resp.Header.Get("Shoal-Error"))
		}
	}
}
