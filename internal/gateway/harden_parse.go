package gateway

import (
	"bytes"
	"strconv"
)

// requestFraming is what a header block says about the body that follows.
type requestFraming struct {
	lengths   int   // Content-Length fields
	length    int64 // their value when they agree
	badLength bool  // unparsable or disagreeing Content-Length
	te        bool  // a Transfer-Encoding field is present
	chunked   bool  // the last transfer coding is chunked
	unknownTE bool  // Transfer-Encoding without chunked last
	preface   bool  // the HTTP/2 connection preface
	tunnel    bool  // CONNECT or an Upgrade: the bytes after it are not HTTP/1
}

// smuggling reports the ambiguous framing RFC 9112 6.1 asks a server to
// refuse or close on.
func (f requestFraming) smuggling() bool { return f.te && f.lengths > 0 }

// parseFraming reads the request line and the framing headers of one
// header block (lines ending in LF or CRLF, the empty line included).
func parseFraming(block []byte) requestFraming {
	var f requestFraming
	line, rest := cutLine(block)
	if bytes.HasPrefix(line, []byte("PRI * HTTP/2.0")) {
		f.preface = true
		return f
	}
	if bytes.HasPrefix(line, []byte("CONNECT ")) {
		f.tunnel = true
	}
	for len(rest) > 0 {
		line, rest = cutLine(rest)
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.Trim(value, " \t")
		switch {
		case asciiEqualFold(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (f.lengths > 0 && n != f.length) {
				f.badLength = true
			}
			f.lengths++
			f.length = n
		case asciiEqualFold(name, "transfer-encoding"):
			f.te = true
			last := value
			if i := bytes.LastIndexByte(value, ','); i >= 0 {
				last = bytes.Trim(value[i+1:], " \t")
			}
			f.chunked = asciiEqualFold(last, "chunked")
		case asciiEqualFold(name, "upgrade"):
			f.tunnel = true
		}
	}
	f.unknownTE = f.te && !f.chunked
	return f
}

func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.TrimSuffix(b, []byte("\r")), nil
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), b[i+1:]
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
