package gateway

import (
	"bytes"
	"io"
	"net"
	"strconv"
)

// Go's HTTP/1 server reads a request that carries both Content-Length and
// Transfer-Encoding as chunked, drops the Content-Length header before any
// handler can see it, and keeps the connection open. RFC 9112 section 6.1
// lets a server do that only if it closes the connection afterwards; a
// front proxy that does not is the classic request-smuggling setup. So the
// plain-text HTTP/1 connections are read through framingConn, which follows
// the request framing (header block, then Content-Length or chunked body)
// and, on a header block with both headers, hands the server a request line
// it rejects with 400 and "Connection: close" instead.

// rejectedRequest is what the server sees in place of a smuggling-shaped
// request: Go answers an invalid HTTP version with 400 and closes.
const rejectedRequest = "REJECTED / HTTP/1.1-content-length-with-transfer-encoding\r\n\r\n"

type framingState uint8

const (
	stHeaders framingState = iota
	stBodyLength
	stChunkSize
	stChunkData
	stChunkDataEnd
	stTrailers
	stPassthrough // HTTP/2 preface, tunnels, or input Go rejects by itself
	stRejected
)

// framingConn watches request framing on a server-side connection.
type framingConn struct {
	net.Conn
	state     framingState
	maxHeader int
	hdr       []byte // the header block (or chunk line) read so far
	pending   []byte // bytes checked and ready for the server
	remain    int64  // bytes left in the current body or chunk
	buf       []byte
}

func newFramingConn(c net.Conn, maxHeader int) *framingConn {
	return &framingConn{Conn: c, maxHeader: maxHeader}
}

func (c *framingConn) Read(p []byte) (int, error) {
	for {
		if len(c.pending) > 0 {
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		switch c.state {
		case stPassthrough:
			return c.Conn.Read(p)
		case stRejected:
			return 0, io.EOF
		case stBodyLength:
			// Body bytes of a known length go straight to the caller.
			if int64(len(p)) > c.remain {
				p = p[:c.remain]
			}
			n, err := c.Conn.Read(p)
			c.remain -= int64(n)
			if c.remain == 0 {
				c.state = stHeaders
			}
			return n, err
		}
		if c.buf == nil {
			c.buf = make([]byte, 4096)
		}
		n, err := c.Conn.Read(c.buf)
		c.feed(c.buf[:n])
		if err == io.EOF && c.state == stHeaders && len(c.hdr) > 0 {
			// The client stopped mid-header: hand over what came so the
			// server reports the truncated request as it would anyway.
			c.pending = append(c.pending, c.hdr...)
			c.hdr = c.hdr[:0]
		}
		if err != nil && len(c.pending) == 0 {
			return 0, err
		}
	}
}

// feed runs the framing state machine over b, moving checked bytes to
// pending.
func (c *framingConn) feed(b []byte) {
	for len(b) > 0 {
		switch c.state {
		case stPassthrough:
			c.pending = append(c.pending, b...)
			return
		case stRejected:
			return
		case stBodyLength, stChunkData:
			n := int64(len(b))
			if n > c.remain {
				n = c.remain
			}
			c.pending = append(c.pending, b[:n]...)
			b = b[n:]
			c.remain -= n
			if c.remain == 0 {
				if c.state == stChunkData {
					c.state = stChunkDataEnd
				} else {
					c.state = stHeaders
				}
			}
		case stHeaders:
			if len(c.hdr) == 0 && (b[0] == '\r' || b[0] == '\n') {
				// Empty lines before a request line are ignored by the
				// server (RFC 9112 2.2); they are not a header block.
				c.pending = append(c.pending, b[0])
				b = b[1:]
				continue
			}
			b = c.collectHeaders(b)
		default:
			b = c.chunkLine(b)
		}
	}
}

// collectHeaders buffers the header block until its empty line, then judges
// it. Returns the unconsumed input.
func (c *framingConn) collectHeaders(b []byte) []byte {
	start := len(c.hdr)
	c.hdr = append(c.hdr, b...)
	end := headerEnd(c.hdr, start)
	if end < 0 {
		if len(c.hdr) > c.maxHeader {
			// Too big: the server answers 431 on its own.
			c.pending = append(c.pending, c.hdr...)
			c.hdr = c.hdr[:0]
			c.state = stPassthrough
		}
		return nil
	}
	block := c.hdr[:end]
	rest := b[len(b)-(len(c.hdr)-end):]
	c.judge(block)
	c.hdr = c.hdr[:0]
	return rest
}

// headerEnd returns the index just past the empty line that ends the
// header block in h, or -1. from is where new bytes begin, so earlier
// bytes are not scanned twice (a little back, for a split CRLFCRLF).
func headerEnd(h []byte, from int) int {
	from = max(from-3, 0)
	for i := from; i < len(h); i++ {
		if h[i] != '\n' {
			continue
		}
		// An empty line is "\n" or "\r\n" right after another "\n".
		if i >= 1 && h[i-1] == '\n' {
			return i + 1
		}
		if i >= 2 && h[i-1] == '\r' && h[i-2] == '\n' {
			return i + 1
		}
	}
	return -1
}

// judge decides what follows a complete header block and queues it (or
// the rejection in its place).
func (c *framingConn) judge(block []byte) {
	f := parseFraming(block)
	switch {
	case f.smuggling():
		c.pending = append(c.pending, rejectedRequest...)
		c.state = stRejected
		return
	case f.preface, f.tunnel, f.unknownTE, f.badLength:
		c.state = stPassthrough
	case f.chunked:
		c.state = stChunkSize
	case f.length > 0:
		c.state, c.remain = stBodyLength, f.length
	}
	c.pending = append(c.pending, block...)
}

// chunkLine handles the line-oriented parts of a chunked body: chunk size
// lines, the CRLF after chunk data and the trailer section.
func (c *framingConn) chunkLine(b []byte) []byte {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		c.hdr = append(c.hdr, b...)
		c.pending = append(c.pending, b...)
		if len(c.hdr) > c.maxHeader {
			c.state = stPassthrough
		}
		return nil
	}
	line := append(c.hdr, b[:i]...)
	c.pending = append(c.pending, b[:i+1]...)
	c.hdr = c.hdr[:0]
	line = bytes.TrimSuffix(line, []byte("\r"))
	switch c.state {
	case stChunkDataEnd:
		if len(line) != 0 {
			c.state = stPassthrough // malformed; the server rejects it
		} else {
			c.state = stChunkSize
		}
	case stChunkSize:
		size, ok := parseChunkSize(line)
		switch {
		case !ok:
			c.state = stPassthrough
		case size == 0:
			c.state = stTrailers
		default:
			c.state, c.remain = stChunkData, size
		}
	case stTrailers:
		if len(line) == 0 {
			c.state = stHeaders
		}
	}
	return b[i+1:]
}

func parseChunkSize(line []byte) (int64, bool) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 16 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(line), 16, 64)
	return n, err == nil && n >= 0
}
