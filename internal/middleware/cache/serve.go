package cache

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serve answers r from a stored response, with its current Age, and turns
// it into a 304 when the client's own validators match (RFC 9110 §13).
func serve(w http.ResponseWriter, r *http.Request, e *Entry, now time.Time, status string) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Del("Surrogate-Control")
	h.Set("Age", strconv.FormatInt(int64(age(e, now)/time.Second), 10))
	h.Set("Cache-Status", "shoal; "+status)
	if notModified(r, e) {
		h.Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if h.Get("Content-Length") == "" && e.Status != http.StatusNoContent {
		h.Set("Content-Length", strconv.Itoa(len(e.Body)))
	}
	if e.Status == http.StatusOK && r.Method == http.MethodGet && r.Header.Get("Range") != "" {
		// A byte range of a stored complete response: ServeContent
		// answers 206 (or 416, or the whole body when If-Range no longer
		// matches) from the stored bytes.
		lm, _ := http.ParseTime(e.Header.Get("Last-Modified"))
		if _, typed := h["Content-Type"]; !typed {
			h["Content-Type"] = nil // no sniffing: send no type, as the origin did
		}
		http.ServeContent(w, r, "", lm, bytes.NewReader(e.Body))
		return
	}
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(e.Body)
	}
}

// notModified evaluates If-None-Match, or without it If-Modified-Since,
// against a stored 200.
func notModified(r *http.Request, e *Entry) bool {
	if e.Status != http.StatusOK {
		return false
	}
	if inm := r.Header.Values("If-None-Match"); len(inm) > 0 {
		etag := e.Header.Get("ETag")
		for _, line := range inm {
			for _, t := range splitList(line) {
				if t == "*" || (etag != "" && weakEqual(t, etag)) {
					return true
				}
			}
		}
		return false
	}
	ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	if err != nil {
		return false
	}
	lm, err := http.ParseTime(e.Header.Get("Last-Modified"))
	if err != nil {
		lm = e.date()
	}
	return !lm.After(ims)
}

func weakEqual(a, b string) bool {
	return strings.TrimPrefix(a, "W/") == strings.TrimPrefix(b, "W/")
}

func itoa(n int) string { return strconv.Itoa(n) }
