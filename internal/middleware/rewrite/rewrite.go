// Package rewrite changes the request path before it goes upstream: strip a
// prefix (optionally putting another in its place) or replace the whole path,
// like Traefik's StripPrefix/AddPrefix/ReplacePath and the Gateway API URLRewrite.
package rewrite

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Header names set for the upstream, as Traefik does, so it can build links
// that work through the gateway.
const (
	ForwardedPrefixHeader = "X-Forwarded-Prefix" // the prefix that was stripped
	ReplacedPathHeader    = "X-Replaced-Path"    // the original path, on ReplacePath
)

// Options configures one rewrite. Paths are given decoded ("/a b", not "/a%20b").
type Options struct {
	// StripPrefix removes whole leading path segments: "/api" turns /api/users
	// into /users and /api into /, and leaves /apix alone. A trailing slash in
	// the option is ignored. The stripped prefix goes upstream in
	// X-Forwarded-Prefix.
	StripPrefix string
	// AddPrefix is put in front of the path after stripping; with StripPrefix it
	// replaces one prefix by another (/api/users → /v2/users).
	AddPrefix string
	// ReplacePath replaces the whole path; it excludes the two above. The
	// original path goes upstream in X-Replaced-Path.
	ReplacePath string
}

// New validates opts and returns the middleware.
func New(opts Options) (func(http.Handler) http.Handler, error) {
	rw := &rewriter{
		strip: strings.TrimRight(opts.StripPrefix, "/"),
		add:   strings.TrimRight(opts.AddPrefix, "/"),
		full:  opts.ReplacePath,
	}
	var errs []error
	for _, f := range []struct{ name, v string }{
		{"strip_prefix", opts.StripPrefix}, {"add_prefix", opts.AddPrefix}, {"replace_path", opts.ReplacePath},
	} {
		if f.v != "" && !strings.HasPrefix(f.v, "/") {
			errs = append(errs, fmt.Errorf("%s %q must start with /", f.name, f.v))
		}
	}
	if opts.StripPrefix != "" && rw.strip == "" {
		errs = append(errs, errors.New("strip_prefix / would strip nothing"))
	}
	if opts.ReplacePath != "" && (opts.StripPrefix != "" || opts.AddPrefix != "") {
		errs = append(errs, errors.New("replace_path cannot be combined with strip_prefix or add_prefix"))
	}
	if opts.StripPrefix == "" && opts.AddPrefix == "" && opts.ReplacePath == "" {
		errs = append(errs, errors.New("set strip_prefix, add_prefix or replace_path"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, rw.rewrite(r))
		})
	}, nil
}

type rewriter struct {
	strip, add, full string
}

// rewrite returns r with a changed URL, copying the request and URL as
// http.StripPrefix does so the caller's *url.URL is left as it was. The header
// map is shared, so the X-Forwarded-Prefix/X-Replaced-Path change is visible to
// the whole chain, like any header middleware.
func (rw *rewriter) rewrite(r *http.Request) *http.Request {
	u := *r.URL
	if rw.full != "" {
		r.Header.Set(ReplacedPathHeader, r.URL.EscapedPath())
		u.Path, u.RawPath = rw.full, ""
		return withURL(r, &u)
	}
	rest, rawRest := u.Path, u.RawPath
	if rw.strip != "" {
		var ok bool
		rest, rawRest, ok = cutPrefix(u.Path, u.RawPath, rw.strip)
		if !ok {
			// Not under the prefix (the route matched on something else):
			// leave the path alone rather than guess.
			return r
		}
		r.Header.Set(ForwardedPrefixHeader, rw.strip)
	}
	u.Path = rw.add + rest
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawPath = ""
	if rawRest != "" {
		// Keep the client's escaping (say %2F inside a segment) when it still
		// encodes the new path; EscapedPath falls back to Path otherwise.
		raw := url.PathEscape(rw.add)
		raw = strings.ReplaceAll(raw, "%2F", "/") + rawRest
		if unescaped, err := url.PathUnescape(raw); err == nil && unescaped == u.Path {
			u.RawPath = raw
		}
	}
	return withURL(r, &u)
}

// cutPrefix removes the segment prefix p from path and from its escaped form raw
// (which may be empty when the path needs no special escaping). The result is
// "" when path is exactly p, else it starts with "/".
func cutPrefix(path, raw, p string) (rest, rawRest string, ok bool) {
	if path != p && !strings.HasPrefix(path, p+"/") {
		return "", "", false
	}
	rest = path[len(p):]
	if raw == "" {
		return rest, "", true
	}
	// Walk raw until it has decoded to len(p) bytes; that is where the prefix
	// ends in its escaped form.
	i, n := 0, 0
	for n < len(p) && i < len(raw) {
		if raw[i] == '%' && i+2 < len(raw) && ishex(raw[i+1]) && ishex(raw[i+2]) {
			i += 3
		} else {
			i++
		}
		n++
	}
	if head, err := url.PathUnescape(raw[:i]); err != nil || head != p {
		return rest, "", true // inconsistent raw form: drop it, keep the decoded path
	}
	return rest, raw[i:], true
}

func ishex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func withURL(r *http.Request, u *url.URL) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.URL = u
	return r2
}
