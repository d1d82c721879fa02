package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// errBodyTooLarge ends a request body that grew past the limit while it
// was being streamed to the origin.
var errBodyTooLarge = errors.New("request body too large")

// limitedBody fails a read past limit bytes, so a body is streamed, never
// buffered, and still bounded.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("more than %d bytes: %w", b.limit, errBodyTooLarge)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, fmt.Errorf("more than %d bytes: %w", b.limit, errBodyTooLarge)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// limitBody applies max to r. It reports false when the declared length
// is already too big, so the caller answers 413 without contacting the
// origin.
func limitBody(r *http.Request, max int64) bool {
	if max <= 0 || r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if r.ContentLength > max {
		return false
	}
	r.Body = &limitedBody{rc: r.Body, left: max, limit: max}
	return true
}

// errClientBody marks a failure to read the client's request body (bad
// chunked framing, a body shorter than its Content-Length): the client's
// fault, so 400, never a 502 blamed on the endpoint.
var errClientBody = errors.New("reading the client's request body")

// clientBody tags read errors of the request body so the error handler can
// tell them from the origin's.
type clientBody struct{ rc io.ReadCloser }

func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, errBodyTooLarge) {
		return n, fmt.Errorf("%w: %w", errClientBody, err)
	}
	return n, err
}

func (b clientBody) Close() error { return b.rc.Close() }

func tagClientBody(r *http.Request) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = clientBody{rc: r.Body}
	}
}
