package conformance

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/proxy"
)

// wsEcho echoes every message with its type; "die" makes it drop the TCP
// connection without a close frame, like a crashed instance.
func wsEcho(t *testing.T) *httptest.Server {
	up := websocket.Upgrader{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if string(msg) == "push" {
				for i := range 8 {
					time.Sleep(100 * time.Millisecond)
					if err := c.WriteMessage(websocket.TextMessage, []byte{byte('0' + i)}); err != nil {
						return
					}
				}
				continue
			}
			if string(msg) == "die" {
				_ = c.UnderlyingConn().Close()
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func dialWS(t *testing.T, addr string, writeBuf int) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{WriteBufferSize: writeBuf, HandshakeTimeout: 3 * time.Second}
	c, resp, err := d.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial through the gateway: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d", resp.StatusCode)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c
}

func TestWebSocketThroughGateway(t *testing.T) {
	backend := wsEcho(t)
	addr := listen(t, forwardTo(t, backend.URL, proxy.TransportOptions{}), gateway.ServerOptions{})

	t.Run("text and binary", func(t *testing.T) {
		c := dialWS(t, addr, 0)
		for _, m := range []struct {
			typ  int
			data []byte
		}{{websocket.TextMessage, []byte("héllo")}, {websocket.BinaryMessage, []byte{0, 1, 2, 255}}} {
			if err := c.WriteMessage(m.typ, m.data); err != nil {
				t.Fatal(err)
			}
			typ, got, err := c.ReadMessage()
			if err != nil || typ != m.typ || !bytes.Equal(got, m.data) {
				t.Fatalf("echo = %d %q %v, want %d %q", typ, got, err, m.typ, m.data)
			}
		}
	})
	t.Run("fragmented", func(t *testing.T) {
		// A 64-byte write buffer splits the message into many frames.
		c := dialWS(t, addr, 64)
		want := strings.Repeat("fragment-", 100)
		w, err := c.NextWriter(websocket.TextMessage)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(want); i += 50 {
			if _, err := w.Write([]byte(want[i:min(i+50, len(want))])); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.ReadMessage()
		if err != nil || string(got) != want {
			t.Fatalf("reassembled %d bytes (%v), want %d", len(got), err, len(want))
		}
	})
	t.Run("ping", func(t *testing.T) {
		c := dialWS(t, addr, 0)
		pong := make(chan string, 1)
		c.SetPongHandler(func(s string) error { pong <- s; return nil })
		if err := c.WriteControl(websocket.PingMessage, []byte("p1"), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte("after")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			t.Fatal(err)
		}
		select {
		case s := <-pong:
			if s != "p1" {
				t.Errorf("pong payload %q", s)
			}
		default:
			t.Error("no pong came back through the gateway")
		}
	})
	t.Run("close code", func(t *testing.T) {
		c := dialWS(t, addr, 0)
		msg := websocket.FormatCloseMessage(4001, "bye")
		if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 {
			t.Fatalf("close answer %v, want code 4001", err)
		}
	})
	t.Run("backend dies", func(t *testing.T) {
		c := dialWS(t, addr, 0)
		start := time.Now()
		if err := c.WriteMessage(websocket.TextMessage, []byte("die")); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.ReadMessage()
		if err == nil {
			t.Fatal("read succeeded after the backend died")
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the client was left hanging: %v after %s", err, time.Since(start))
		}
	})
}

func TestWebSocketIdleTimeout(t *testing.T) {
	backend := wsEcho(t)
	opts := proxy.TransportOptions{TunnelIdleTimeout: 300 * time.Millisecond}
	addr := listen(t, forwardTo(t, backend.URL, opts), gateway.ServerOptions{})

	t.Run("silent both ways is closed", func(t *testing.T) {
		c := dialWS(t, addr, 0)
		start := time.Now()
		_, _, err := c.ReadMessage()
		if err == nil {
			t.Fatal("read succeeded on an idle tunnel")
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the gateway never closed the idle tunnel: %v after %s", err, time.Since(start))
		}
	})
	t.Run("traffic one way keeps it open", func(t *testing.T) {
		c := dialWS(t, addr, 0)
		if err := c.WriteMessage(websocket.TextMessage, []byte("push")); err != nil {
			t.Fatal(err)
		}
		// The client stays silent for 800ms, well past the idle limit,
		// while the backend sends every 100ms.
		for i := range 8 {
			_, msg, err := c.ReadMessage()
			if err != nil || string(msg) != string(rune('0'+i)) {
				t.Fatalf("message %d: %q %v", i, msg, err)
			}
		}
	})
}
