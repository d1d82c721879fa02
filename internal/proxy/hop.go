package proxy

import (
	"net/http"
	"net/textproto"
	"strings"
)

// hopHeaders are the connection-specific headers of RFC 9110 7.6.1 plus
// the legacy ones proxies have always dropped.
var hopHeaders = [...]string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Http2-Settings",
}

// removeHopByHop deletes the hop-by-hop headers and every header named in
// Connection.
func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// stripH2CUpgrade removes an HTTP/1.1 upgrade to h2c before the request is
// forwarded. Passing it on lets a client turn its connection to the origin
// into an HTTP/2 session that no longer goes through the gateway's routing
// or policies (the h2c smuggling attack); the origin then answers the
// request as plain HTTP/1.1.
func stripH2CUpgrade(r *http.Request) {
	if r.ProtoMajor != 1 {
		return
	}
	h := r.Header
	up := false
	for _, v := range h["Upgrade"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(textproto.TrimString(tok), "h2c") {
				up = true
			}
		}
	}
	if !up && h.Get("Http2-Settings") == "" {
		return
	}
	delete(h, "Upgrade")
	delete(h, "Http2-Settings")
	// Rewrite Connection without the tokens that pointed at them, so the
	// request is an ordinary one (ReverseProxy would otherwise still see
	// "Connection: Upgrade").
	var keep []string
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			tok = textproto.TrimString(tok)
			if tok == "" || strings.EqualFold(tok, "upgrade") || strings.EqualFold(tok, "http2-settings") {
				continue
			}
			keep = append(keep, tok)
		}
	}
	if len(keep) == 0 {
		delete(h, "Connection")
	} else {
		h["Connection"] = []string{strings.Join(keep, ", ")}
	}
}

// interimWriter strips hop-by-hop headers from 1xx responses.
// ReverseProxy copies an origin's 103 Early Hints (and other 1xx) headers
// verbatim, hop-by-hop ones included, while it cleans the final response.
type interimWriter struct {
	http.ResponseWriter
}

func (w interimWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		removeHopByHop(w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w interimWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
