package idempotency

import (
	"bytes"
	"net/http"
)

// ReplayedHeader marks an answer that was replayed from the store.
const ReplayedHeader = "Idempotent-Replayed"

// Middleware applies the store to next. Requests without the key header
// pass through untouched. A key reused with another method, path or body
// gets 422. Answers of 5xx are not kept, so the client may try again.
func (s *Store) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(s.o.Header)
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(r.Context()) // the body is replaced below
		fp, ok := s.readBody(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		for {
			e, owner, ok := s.claim(key, fp)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			if owner {
				s.run(w, r, next, key, e)
				return
			}
			if e.fingerprint != fp {
				reject(w, http.StatusUnprocessableEntity, "idempotency-key-reused")
				return
			}
			select {
			case <-e.done:
			default:
				s.waits.Add(1)
				select {
				case <-e.done:
				case <-r.Context().Done():
					return
				}
			}
			if e.resp != nil {
				s.replays.Add(1)
				replay(w, e.resp)
				return
			}
			// The first try failed and freed the key: claim it again.
		}
	})
}

func (s *Store) run(w http.ResponseWriter, r *http.Request, next http.Handler, key string, e *entry) {
	cw := &captureWriter{ResponseWriter: w, limit: s.o.MaxBodyBytes}
	var a *answer
	defer func() { s.finish(key, e, a) }()
	next.ServeHTTP(cw, r)
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	if cw.status >= 500 || cw.over || cw.status == http.StatusSwitchingProtocols {
		return
	}
	a = &answer{status: cw.status, header: cw.header, body: cw.buf.Bytes()}
}

func replay(w http.ResponseWriter, a *answer) {
	h := w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	h.Set(ReplayedHeader, "true")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func reject(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Shoal-Error", reason)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status) + ": " + reason + "\n"))
}

// captureWriter passes the answer through and keeps a copy of it.
type captureWriter struct {
	http.ResponseWriter
	limit  int64
	status int
	header http.Header
	buf    bytes.Buffer
	over   bool
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
		c.header = c.ResponseWriter.Header().Clone()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if !c.over {
		if int64(c.buf.Len()+len(b)) > c.limit {
			c.over = true
			c.buf = bytes.Buffer{}
		} else {
			c.buf.Write(b)
		}
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and error sinks reach the writer.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
