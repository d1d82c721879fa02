package cache

import (
	"bytes"
	"net/http"
)

// capture is the ResponseWriter handed to the origin handler. When the
// origin's header arrives, decide chooses between streaming the response
// to the client (keeping a copy of up to limit bytes for the store) and
// holding it back (a 304 or an error the cache answers with stale content).
type capture struct {
	client http.ResponseWriter // nil for background revalidation
	header http.Header
	status int
	stream bool
	buf    bytes.Buffer
	limit  int
	over   bool // the body outgrew limit: not storable
	decide func(c *capture) bool
}

func newCapture(client http.ResponseWriter, limit int, decide func(*capture) bool) *capture {
	return &capture{client: client, header: http.Header{}, limit: limit, decide: decide}
}

// Header is the origin's header until the answer streams; then the
// client's, so trailers set after the body reach the client.
func (c *capture) Header() http.Header {
	if c.stream {
		return c.client.Header()
	}
	return c.header
}

func (c *capture) WriteHeader(code int) {
	// 1xx informational answers are not part of the stored response and
	// are dropped: the client gets the final answer.
	if c.status != 0 || code < 200 {
		return
	}
	c.status = code
	if c.client != nil && c.decide != nil && c.decide(c) {
		c.stream = true
		dst := c.client.Header()
		for k, v := range c.header {
			dst[k] = v
		}
		// Surrogate-Control is addressed to this gateway alone.
		dst.Del("Surrogate-Control")
		c.client.WriteHeader(code)
	}
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if !c.over {
		if c.buf.Len()+len(p) > c.limit {
			c.over = true
			c.buf = bytes.Buffer{}
		} else {
			c.buf.Write(p)
		}
	}
	if c.stream {
		return c.client.Write(p)
	}
	return len(p), nil
}

// Flush passes flushes through while streaming, so event streams behind a
// cached route still flow.
func (c *capture) Flush() {
	if c.stream {
		_ = http.NewResponseController(c.client).Flush()
	}
}

// Unwrap lets http.ResponseController reach the client's writer.
func (c *capture) Unwrap() http.ResponseWriter {
	if c.stream {
		return c.client
	}
	return nil
}

// done reports the final status. A handler that wrote nothing answered
// 200, and that answer still goes through decide.
func (c *capture) done() int {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	return c.status
}

// statusWriter passes everything straight to the client and remembers the
// status, for requests the cache only watches (unsafe methods): streams,
// trailers and hijacking work as without the cache.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusWriter) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
