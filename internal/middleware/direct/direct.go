// Package direct answers a route with a fixed response (status, body, headers)
// without any upstream, like Traefik's and Envoy's direct responses: maintenance
// pages, robots.txt, health answers, blocking a path with 403.
package direct

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// Options is the response to send.
type Options struct {
	StatusCode  int         // 200 to 599; 0 means 200
	Body        string      // sent as is; not allowed with 204 or 304
	ContentType string      // default "text/plain; charset=utf-8" when Body is set
	Headers     http.Header // extra response headers
}

// New validates opts and returns the terminal handler.
func New(opts Options) (http.Handler, error) {
	code := opts.StatusCode
	if code == 0 {
		code = http.StatusOK
	}
	var errs []error
	if code < 200 || code > 599 {
		errs = append(errs, fmt.Errorf("status %d: want 200 to 599", code))
	}
	if opts.Body != "" && (code == http.StatusNoContent || code == http.StatusNotModified) {
		errs = append(errs, fmt.Errorf("status %d cannot carry a body", code))
	}
	h := make(http.Header, len(opts.Headers)+2)
	for k, vs := range opts.Headers {
		ck := http.CanonicalHeaderKey(k)
		if ck == "Content-Length" || ck == "Transfer-Encoding" {
			errs = append(errs, fmt.Errorf("header %s is set from the body", ck))
			continue
		}
		for _, v := range vs {
			if !validValue(v) {
				errs = append(errs, fmt.Errorf("header %s: value contains a control character", ck))
			}
		}
		h[ck] = append(h[ck], vs...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("direct response: %w", err)
	}
	if opts.Body != "" {
		if opts.ContentType != "" {
			h.Set("Content-Type", opts.ContentType)
		} else if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	if code != http.StatusNoContent && code != http.StatusNotModified {
		h.Set("Content-Length", strconv.Itoa(len(opts.Body)))
	}
	// Every value slice is clipped (len == cap), so a later middleware that
	// appends to a response header gets a fresh array and never writes into
	// the slices shared by all requests.
	for k, vs := range h {
		h[k] = slices.Clip(vs)
	}
	return &handler{code: code, body: []byte(opts.Body), header: h}, nil
}

func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

type handler struct {
	code   int
	body   []byte
	header http.Header
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dst := w.Header()
	for k, vs := range h.header {
		dst[k] = vs
	}
	w.WriteHeader(h.code)
	if r.Method != http.MethodHead && len(h.body) > 0 {
		// A write error means the client went away; there is nobody to tell.
		_, _ = w.Write(h.body)
	}
}
