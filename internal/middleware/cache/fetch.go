package cache

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// fetch asks the origin, validating stale when it has validators, streams
// the answer to the client when it is the answer, and stores it when
// allowed. An origin failure is answered from stale when permitted.
func (c *Cache) fetch(w http.ResponseWriter, r *http.Request, key string, stale *Entry, reqCC directives) {
	r.Header.Add("Surrogate-Capability", surrogateCapability)
	out := r
	validating := false
	if stale != nil {
		out, validating = conditional(r, stale)
	}
	if !validating && stale == nil {
		c.opts.Stats.Misses.Add(1)
	}
	fwd := "fwd=miss"
	if stale != nil {
		fwd = "fwd=stale"
	}
	decide := func(cw *capture) bool {
		if validating && cw.status == http.StatusNotModified {
			return false
		}
		if cw.status >= 500 && stale != nil && c.staleOnError(stale, reqCC, c.opts.Now()) {
			return false
		}
		w.Header().Set("Cache-Status", "shoal; "+fwd+"; fwd-status="+itoa(cw.status))
		return true
	}
	cw := newCapture(w, c.opts.MaxObjectBytes, decide)
	reqTime := c.opts.Now()
	c.next.ServeHTTP(cw, out)
	status := cw.done()
	respTime := c.opts.Now()
	if !cw.stream {
		if status == http.StatusNotModified {
			ne := stale.updated(cw.header, reqTime, respTime)
			c.put(ne)
			c.opts.Stats.Revalidated.Add(1)
			serve(w, r, ne, respTime, "fwd=stale; fwd-status=304")
			return
		}
		c.opts.Stats.Stale.Add(1)
		serve(w, r, stale, respTime, "fwd=stale; fwd-status="+itoa(status)+"; detail=stale-if-error")
		return
	}
	if !cw.over && storable(r, c.authed(r), reqCC, status, cw.header) {
		c.put(newEntry(key, r, status, cw.header, cw.buf.Bytes(), reqTime, respTime))
	}
}

func (c *Cache) put(e *Entry) {
	if c.opts.Store != nil {
		c.opts.Store.Put(e)
		c.opts.Stats.Stored.Add(1)
	}
}

// conditional returns r asking the origin to validate e, with e's
// validators in place of any the client sent. validating is false when e
// has no validator.
func conditional(r *http.Request, e *Entry) (*http.Request, bool) {
	etag, lm := e.Header.Get("ETag"), e.Header.Get("Last-Modified")
	if etag == "" && lm == "" {
		return r, false
	}
	out := r.Clone(r.Context())
	out.Header.Del("If-None-Match")
	out.Header.Del("If-Modified-Since")
	out.Header.Del("If-Match")
	out.Header.Del("If-Unmodified-Since")
	out.Header.Del("If-Range")
	if etag != "" {
		out.Header.Set("If-None-Match", etag)
	}
	if lm != "" {
		out.Header.Set("If-Modified-Since", lm)
	}
	return out, true
}

// background revalidates e without a client waiting (stale-while-revalidate),
// at most once at a time per key.
func (c *Cache) background(key string, r *http.Request, e *Entry) {
	if _, busy := c.revalidating.LoadOrStore(key, true); busy {
		return
	}
	out := r.Clone(context.WithoutCancel(r.Context()))
	out.Method = http.MethodGet
	if out.Header.Get("Surrogate-Capability") == "" {
		out.Header.Add("Surrogate-Capability", surrogateCapability)
	}
	out, validating := conditional(out, e)
	go func() {
		defer c.revalidating.Delete(key)
		ctx, cancel := context.WithTimeout(out.Context(), time.Minute)
		defer cancel()
		out = out.WithContext(ctx)
		cw := newCapture(nil, c.opts.MaxObjectBytes, nil)
		reqTime := c.opts.Now()
		c.next.ServeHTTP(cw, out)
		status, respTime := cw.done(), c.opts.Now()
		switch {
		case validating && status == http.StatusNotModified:
			c.put(e.updated(cw.header, reqTime, respTime))
			c.opts.Stats.Revalidated.Add(1)
		case !cw.over && storable(out, c.authed(out), parseCC(out.Header), status, cw.header):
			c.put(newEntry(key, out, status, cw.header, cw.buf.Bytes(), reqTime, respTime))
		}
	}()
}

// passThrough forwards a request the cache does not answer and, for an
// unsafe method that succeeded, invalidates what it changed (RFC 9111 §4.4).
func (c *Cache) passThrough(w http.ResponseWriter, r *http.Request) {
	c.opts.Stats.Bypassed.Add(1)
	sw := &statusWriter{ResponseWriter: w}
	c.next.ServeHTTP(sw, r)
	if safe(r.Method) || sw.status < 200 || sw.status >= 400 || c.opts.Store == nil {
		return
	}
	c.invalidate(c.key(r))
	for _, f := range []string{"Location", "Content-Location"} {
		if v := w.Header().Get(f); v != "" {
			if u, err := r.URL.Parse(v); err == nil && sameOrigin(u, r) {
				c.invalidate(c.opts.KeyPrefix + schemeOf(r) + r.Host + u.RequestURI())
			}
		}
	}
}

func (c *Cache) invalidate(key string) {
	if n := c.opts.Store.Delete(key); n > 0 {
		c.opts.Stats.Invalidated.Add(int64(n))
	}
}

func safe(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

func sameOrigin(u *url.URL, r *http.Request) bool {
	return u.Host == "" || (u.Host == r.Host && u.Scheme+"://" == schemeOf(r))
}

func schemeOf(r *http.Request) string {
	if r.TLS != nil {
		return "https://"
	}
	return "http://"
}
