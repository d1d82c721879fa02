package conformance

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/proxy"
)

const chunk = 1 << 20

// TestLargeBodiesStreamBothWays proves that neither direction is buffered:
// each side waits for the other to see the first megabyte before sending
// the rest, which would deadlock (and time out) behind a buffering proxy.
func TestLargeBodiesStreamBothWays(t *testing.T) {
	gotFirst := make(chan struct{})
	clientSaw := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadFull(r.Body, make([]byte, chunk)); err != nil {
			t.Errorf("origin: first request megabyte: %v", err)
			return
		}
		close(gotFirst)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write(bytes.Repeat([]byte("r"), chunk))
		w.(http.Flusher).Flush()
		select {
		case <-clientSaw:
		case <-time.After(5 * time.Second):
			t.Error("origin: the client never saw the first response megabyte")
			return
		}
		_, _ = w.Write(bytes.Repeat([]byte("s"), 31*chunk))
	}))
	defer origin.Close()
	addr := listen(t, forwardTo(t, origin.URL, proxy.TransportOptions{}), gateway.ServerOptions{})
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(bytes.Repeat([]byte("a"), chunk))
		select {
		case <-gotFirst:
		case <-time.After(5 * time.Second):
			_ = pw.CloseWithError(io.ErrUnexpectedEOF)
			return
		}
		_, _ = pw.Write(bytes.Repeat([]byte("b"), 31*chunk))
		_ = pw.Close()
	}()
	resp, err := http.Post("http://"+addr+"/upload", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadFull(resp.Body, make([]byte, chunk)); err != nil {
		t.Fatalf("first response megabyte: %v", err)
	}
	close(clientSaw)
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != 31*chunk {
		t.Fatalf("rest of the response: %d bytes, %v", n, err)
	}
}

// TestServerSentEventsArriveOneByOne checks that each event is delivered
// as soon as the origin writes it.
func TestServerSentEventsArriveOneByOne(t *testing.T) {
	next := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			_, _ = io.WriteString(w, "data: event"+string(rune('0'+i))+"\n\n")
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-time.After(5 * time.Second):
				return
			}
		}
	}))
	defer origin.Close()
	addr := listen(t, forwardTo(t, origin.URL, proxy.TransportOptions{}), gateway.ServerOptions{})
	resp, err := http.Get("http://" + addr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i := range 3 {
		line, err := br.ReadString('\n')
		if err != nil || !strings.Contains(line, "event"+string(rune('0'+i))) {
			t.Fatalf("event %d: %q %v", i, line, err)
		}
		_, _ = br.ReadString('\n')
		next <- struct{}{}
	}
}
