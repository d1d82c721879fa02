// Package redirect answers a route with an HTTP redirect built from the request
// URL and a few overrides, like the Gateway API RequestRedirect filter.
package redirect

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Options says what to change; empty fields keep the request's value.
type Options struct {
	Scheme string // "http" or "https"
	Host   string // host name without port
	// Port, when 0, is derived as in the Gateway API: the scheme's well-known
	// port when Scheme is set, else the port the request came in on. A
	// well-known port (80 for http, 443 for https) is left out of the URL.
	Port int
	// Path replaces the path. To replace only a prefix, put a rewrite
	// middleware in front: the redirect uses the path it receives.
	Path string
	// StatusCode is 301, 302, 303, 307 or 308; 0 means 302, the Gateway API
	// default. 307/308 keep the method and body, 301/302 may turn POST into GET.
	StatusCode int
}

// New validates opts and returns the terminal handler. The query string is kept.
func New(opts Options) (http.Handler, error) {
	var errs []error
	switch opts.Scheme {
	case "", "http", "https":
	default:
		errs = append(errs, fmt.Errorf("scheme %q: want http or https", opts.Scheme))
	}
	if opts.Host != "" && !validHost(opts.Host) {
		errs = append(errs, fmt.Errorf("host %q: want a host name or IP without port (set port separately)", opts.Host))
	}
	if opts.Port < 0 || opts.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d out of range", opts.Port))
	}
	if opts.Path != "" && !strings.HasPrefix(opts.Path, "/") {
		errs = append(errs, fmt.Errorf("path %q must start with /", opts.Path))
	}
	code := opts.StatusCode
	switch code {
	case 0:
		code = http.StatusFound
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		errs = append(errs, fmt.Errorf("status %d: want 301, 302, 303, 307 or 308", code))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("redirect: %w", err)
	}
	return &handler{opts: opts, code: code}, nil
}

type handler struct {
	opts Options
	code int
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", h.location(r))
	w.WriteHeader(h.code)
}

func (h *handler) location(r *http.Request) string {
	reqScheme := "http"
	if r.TLS != nil {
		reqScheme = "https"
	}
	reqHost, reqPort := splitHostPort(r.Host)

	scheme := reqScheme
	if h.opts.Scheme != "" {
		scheme = h.opts.Scheme
	}
	host := reqHost
	if h.opts.Host != "" {
		host = strings.Trim(h.opts.Host, "[]")
	}
	var port string
	switch {
	case h.opts.Port != 0:
		port = strconv.Itoa(h.opts.Port)
	case h.opts.Scheme != "":
		port = "" // the new scheme's well-known port
	default:
		port = reqPort
	}
	if port == wellKnownPort(scheme) {
		port = ""
	}

	u := url.URL{Scheme: scheme, RawQuery: r.URL.RawQuery}
	if host == "" {
		// An HTTP/1.0 request without Host: a relative redirect is all we can
		// say without inventing a host.
		u.Scheme = ""
	} else if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]" // IPv6 literal
	} else {
		u.Host = host
	}
	if h.opts.Path != "" {
		u.Path = h.opts.Path
	} else {
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// validHost accepts an IP literal (IPv6 with or without brackets) or a name
// with no port, path, user info or whitespace.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return true
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c <= ' ' || c == 0x7f || strings.IndexByte("/?#@:[]\\", c) >= 0 {
			return false
		}
	}
	return true
}

// splitHostPort splits r.Host, which may or may not carry a port.
func splitHostPort(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return strings.Trim(hostport, "[]"), ""
}

func wellKnownPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}
