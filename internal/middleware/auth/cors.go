package auth

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CORSOptions configure cross-origin access (the Fetch standard's CORS
// protocol) for a route.
type CORSOptions struct {
	// Origins allowed ("https://app.example.com"); "*" allows any.
	Origins []string
	Methods []string
	Headers []string // request headers a preflight may ask for
	Expose  []string // response headers scripts may read
	// Credentials allows cookies and Authorization; the allowed origin is
	// then echoed, never "*".
	Credentials bool
	MaxAge      time.Duration
}

// CORS answers preflight requests itself (before authentication: browsers
// send them without credentials) and adds the CORS fields to the others.
func CORS(o CORSOptions) func(http.Handler) http.Handler {
	any := containsFold(o.Origins, "*")
	methods := strings.Join(o.Methods, ", ")
	if methods == "" {
		methods = "GET, HEAD, POST"
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Add("Vary", "Origin")
			allowed := any || containsExact(o.Origins, origin)
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if !allowed {
				if preflight {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			if any && !o.Credentials {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			if o.Credentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			if !preflight {
				if len(o.Expose) > 0 {
					h.Set("Access-Control-Expose-Headers", strings.Join(o.Expose, ", "))
				}
				next.ServeHTTP(w, r)
				return
			}
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", methods)
			if len(o.Headers) > 0 {
				h.Set("Access-Control-Allow-Headers", strings.Join(o.Headers, ", "))
			} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && any {
				h.Set("Access-Control-Allow-Headers", req)
			}
			if o.MaxAge > 0 {
				h.Set("Access-Control-Max-Age", strconv.Itoa(int(o.MaxAge/time.Second)))
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
}

func containsExact(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SecurityHeaders sets the usual hardening fields on every response
// unless the upstream already chose its own value. hsts is sent only
// when positive (and only matters over TLS).
func SecurityHeaders(hsts time.Duration, csp string) func(http.Handler) http.Handler {
	fields := [][2]string{
		{"X-Content-Type-Options", "nosniff"},
		{"X-Frame-Options", "DENY"},
		{"Referrer-Policy", "strict-origin-when-cross-origin"},
		{"Cross-Origin-Opener-Policy", "same-origin"},
	}
	if hsts > 0 {
		fields = append(fields, [2]string{"Strict-Transport-Security", "max-age=" + strconv.Itoa(int(hsts/time.Second)) + "; includeSubDomains"})
	}
	if csp != "" {
		fields = append(fields, [2]string{"Content-Security-Policy", csp})
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&secWriter{ResponseWriter: w, fields: fields}, r)
		})
	}
}

// secWriter adds the fields when the header is written, so they apply to
// the upstream's answers and the gateway's own errors alike.
type secWriter struct {
	http.ResponseWriter
	fields [][2]string
	done   bool
}

func (s *secWriter) WriteHeader(code int) {
	if !s.done && code >= 200 {
		s.done = true
		h := s.ResponseWriter.Header()
		for _, f := range s.fields {
			if h.Get(f[0]) == "" {
				h.Set(f[0], f[1])
			}
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *secWriter) Write(p []byte) (int, error) {
	if !s.done {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(p)
}

func (s *secWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
