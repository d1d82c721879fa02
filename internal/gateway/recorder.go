package gateway

import (
	"net/http"
	"sync"

	"github.com/shoal-gw/shoal/internal/proxy"
)

// recorder notes what was answered, for metrics, the access log and passive
// health. It exposes the underlying writer through Unwrap so that
// http.ResponseController (used by ReverseProxy for flushes and upgrades)
// still reaches the connection.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	errKind  proxy.ErrorKind
	upstream string
}

var recorderPool = sync.Pool{New: func() any { return new(recorder) }}

func getRecorder(w http.ResponseWriter) *recorder {
	r := recorderPool.Get().(*recorder)
	*r = recorder{ResponseWriter: w}
	return r
}

func putRecorder(r *recorder) {
	*r = recorder{}
	recorderPool.Put(r)
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// SetUpstreamError implements proxy.ErrorSink.
func (r *recorder) SetUpstreamError(kind proxy.ErrorKind, _ error) { r.errKind = kind }

func (r *recorder) code() int {
	if r.status == 0 {
		// The handler wrote nothing: net/http will send 200.
		return http.StatusOK
	}
	return r.status
}
