package headers

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter applies the response Ops once, at the moment the header is about
// to be sent. It forwards Flush and Hijack explicitly (they also send headers),
// and exposes Unwrap so http.ResponseController reaches the rest (deadlines,
// full duplex) on the writer underneath.
type responseWriter struct {
	http.ResponseWriter
	ops     *compiled
	applied bool
}

func (w *responseWriter) apply() {
	if !w.applied {
		w.applied = true
		w.ops.apply(w.ResponseWriter.Header())
	}
}

func (w *responseWriter) WriteHeader(code int) {
	// 1xx responses other than 101 are interim (103 Early Hints); the changes
	// belong to the final response, which is still to come.
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.apply()
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.apply()
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the sendfile/splice fast path of the writer underneath.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	w.apply()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Flush sends the header (with the changes) and any buffered body.
func (w *responseWriter) Flush() {
	w.apply()
	// The error only says the writer cannot flush; http.Flusher has no way
	// to report it, and the response goes out at the end anyway.
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands over the connection. httputil.ReverseProxy writes the 101 of a
// protocol upgrade from this writer's Header after hijacking, so applying the
// changes here puts Set and Add headers on the 101. The proxy copies the
// origin's own 101 headers in after that, so Remove (and Set of a header the
// origin also sends) cannot affect them; that would need the forwarder's
// ModifyResponse.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.apply()
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController find the original writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
