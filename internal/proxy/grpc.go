package proxy

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// gRPC status codes the gateway answers with.
const (
	grpcInternal          = 13
	grpcUnavailable       = 14
	grpcDeadlineExceeded  = 4
	grpcUnimplemented     = 12
	grpcResourceExhausted = 8
	grpcCanceled          = 1
)

// IsGRPC reports a gRPC request (application/grpc and its +proto, +json
// variants).
func IsGRPC(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/grpc") && (len(ct) == 16 || ct[16] == '+' || ct[16] == ';')
}

// GRPCStatusFor maps an HTTP status the gateway chose to the gRPC code a
// gRPC client understands, following the gRPC HTTP-to-status mapping where
// it has one.
func GRPCStatusFor(httpStatus int) int {
	switch httpStatus {
	case http.StatusGatewayTimeout:
		return grpcDeadlineExceeded
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return grpcUnavailable
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return grpcUnimplemented
	case http.StatusRequestEntityTooLarge:
		return grpcResourceExhausted
	case StatusClientClosed:
		return grpcCanceled
	default:
		return grpcInternal
	}
}

// GRPCErrors wraps the writer of a gRPC request so that errors the gateway
// answers itself (those with a Shoal-Error header) become trailers-only
// gRPC responses: HTTP 200 with grpc-status and grpc-message, no body. A
// gRPC client shows "UNAVAILABLE: upstream-connect-failed" instead of an
// opaque protocol error about an HTTP 502 with a text body. The origin's
// own responses pass untouched.
func GRPCErrors(w http.ResponseWriter) http.ResponseWriter {
	return &grpcErrorWriter{ResponseWriter: w}
}

type grpcErrorWriter struct {
	http.ResponseWriter
	swallow bool
}

func (g *grpcErrorWriter) WriteHeader(code int) {
	h := g.Header()
	reason := h.Get("Shoal-Error")
	if code < 400 || reason == "" || g.swallow {
		g.ResponseWriter.WriteHeader(code)
		return
	}
	h.Del("Content-Length")
	h.Del("X-Content-Type-Options")
	h.Del("Retry-After")
	h.Set("Content-Type", "application/grpc")
	h.Set("Grpc-Status", strconv.Itoa(GRPCStatusFor(code)))
	h.Set("Grpc-Message", encodeGRPCMessage(reason))
	g.swallow = true
	g.ResponseWriter.WriteHeader(http.StatusOK)
}

func (g *grpcErrorWriter) Write(b []byte) (int, error) {
	if g.swallow {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

func (g *grpcErrorWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// encodeGRPCMessage percent-encodes what the gRPC spec asks for: bytes
// outside printable ASCII, and '%'.
func encodeGRPCMessage(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '%' {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)>>4, 16)) + strings.ToUpper(strconv.FormatUint(uint64(c)&15, 16)))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ParseGRPCTimeout reads a grpc-timeout value: up to 8 digits and a unit
// (H, M, S, m, u, n).
func ParseGRPCTimeout(v string) (time.Duration, bool) {
	if len(v) < 2 || len(v) > 9 {
		return 0, false
	}
	digits, unitByte := v[:len(v)-1], v[len(v)-1]
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	var unit time.Duration
	switch unitByte {
	case 'H':
		unit = time.Hour
	case 'M':
		unit = time.Minute
	case 'S':
		unit = time.Second
	case 'm':
		unit = time.Millisecond
	case 'u':
		unit = time.Microsecond
	case 'n':
		unit = time.Nanosecond
	default:
		return 0, false
	}
	// 8 digits of hours overflow a Duration: cap at the largest one.
	if n > int64(1<<63-1)/int64(unit) {
		return time.Duration(1<<63 - 1), true
	}
	return time.Duration(n) * unit, true
}

// splitTrailersOnly turns a gRPC trailers-only response (grpc-status in
// the headers, no body) into headers plus trailers. ReverseProxy flushes
// headers of streaming responses at once; a trailers-only answer written
// that way leaves the client with headers that carry a status but a stream
// that then ends without trailers, which gRPC clients reject about one
// time in five depending on timing. Headers followed by real trailers are
// valid gRPC and deterministic.
func splitTrailersOnly(res *http.Response) {
	if res.Header.Get("Grpc-Status") == "" || len(res.Trailer) > 0 {
		return
	}
	if res.Trailer == nil {
		res.Trailer = http.Header{}
	}
	for _, k := range []string{"Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin"} {
		if v, ok := res.Header[k]; ok {
			res.Trailer[k] = v
			delete(res.Header, k)
		}
	}
}
