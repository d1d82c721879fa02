package retry

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// BufferBody reads r's body into memory when it is at most limit bytes so
// that it can be sent again. It reports false, and leaves r with a body that
// still yields every byte, when the body is larger: a request whose body
// was partly streamed upstream must never be sent twice.
func BufferBody(r *http.Request, limit int64) ([]byte, bool, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true, nil
	}
	if r.ContentLength > limit {
		return nil, false, nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("reading request body: %w", err)
	}
	if int64(len(buf)) > limit {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
		return nil, false, nil
	}
	_ = r.Body.Close()
	return buf, true, nil
}

// Replay gives r a fresh copy of a buffered body.
func Replay(r *http.Request, buf []byte) {
	if buf == nil {
		r.Body = http.NoBody
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.ContentLength = int64(len(buf))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
}

type readCloser struct {
	io.Reader
	io.Closer
}
