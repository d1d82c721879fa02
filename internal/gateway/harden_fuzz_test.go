package gateway

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// scriptConn replays fixed reads, one chunk per Read.
type scriptConn struct {
	net.Conn
	chunks [][]byte
}

func (c *scriptConn) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

func (c *scriptConn) SetReadDeadline(time.Time) error { return nil }

// FuzzFramingConn checks that the framing check never panics, never loses
// or reorders bytes of input it lets through, and that however the input
// is split into reads the outcome is the same.
func FuzzFramingConn(f *testing.F) {
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n"), uint8(1))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"), uint8(2))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), uint8(5))
	f.Add([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00"), uint8(3))
	f.Add([]byte("GET / HTTP/1.1\nUpgrade: websocket\n\n\x81\x00"), uint8(7))
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		var whole, pieces []byte
		done := make(chan struct{})
		go func() {
			defer close(done)
			whole = readAllFraming(in, len(in)+1)
			pieces = readAllFraming(in, int(split%16)+1)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("stuck on %q", in)
		}
		if !bytes.Equal(whole, pieces) {
			t.Fatalf("outcome depends on read sizes:\n%q\n%q", whole, pieces)
		}
		if bytes.HasSuffix(whole, []byte(rejectedRequest)) {
			return
		}
		if !bytes.Equal(whole, in) {
			t.Fatalf("input changed without a rejection:\nin  %q\nout %q", in, whole)
		}
	})
}

func readAllFraming(in []byte, chunk int) []byte {
	var chunks [][]byte
	for rest := bytes.Clone(in); len(rest) > 0; {
		n := min(chunk, len(rest))
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	fc := newFramingConn(&scriptConn{chunks: chunks}, 1<<10)
	out, _ := io.ReadAll(fc)
	return out
}

func FuzzParseFraming(f *testing.F) {
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"))
	f.Fuzz(func(t *testing.T, block []byte) {
		fr := parseFraming(block)
		if fr.chunked && fr.unknownTE {
			t.Fatal("chunked and unknown transfer coding at once")
		}
		if fr.smuggling() && (!fr.te || fr.lengths == 0) {
			t.Fatal("smuggling without both headers")
		}
	})
}
