package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Header the storefront sets on every page: "shown" or "omitted" (the page
// was rendered without comments, the fallback).
const (
	CommentsHeader  = "X-Album-Comments"
	CommentsOmitted = "omitted"
)

// loopbackBase checks that raw is an http URL on a loopback address and
// returns it without a trailing slash. The demo must never send load
// anywhere but this machine.
func loopbackBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("gateway URL %q: %w", raw, err)
	}
	if u.Scheme != "http" {
		return "", fmt.Errorf("gateway URL %q: scheme must be http", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("gateway URL %q: host must be a loopback address (127.0.0.1, ::1, localhost)", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// newClient returns a client that refuses, at dial time, any address that
// is not loopback (so a redirect or a DNS surprise cannot send load
// elsewhere) and never follows redirects.
func newClient(maxConns int) *http.Client {
	dialer := &net.Dialer{
		Timeout: 2 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("demo dial %q: %w", address, err)
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("demo dial %q: only loopback addresses are allowed", address)
			}
			return nil
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConns:        maxConns,
			MaxIdleConnsPerHost: maxConns,
			IdleConnTimeout:     30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// target says what to send for one arrival.
type target struct {
	kind   Kind
	method string
	path   string
	body   []byte
	ctype  string
}

// buildTarget makes the request of one arrival; seq numbers it (uploads
// carry it so each photo differs), pick chooses an album id in [0, n).
func buildTarget(k Kind, s Scenario, seq int64, pick func(n int) int, pad []byte) target {
	switch k {
	case KindHome:
		return target{kind: k, method: http.MethodGet, path: "/"}
	case KindAlbum:
		return target{kind: k, method: http.MethodGet, path: "/album/" + strconv.Itoa(1+pick(s.Albums))}
	case KindOrder:
		body := fmt.Sprintf(`{"album_id":%d,"copies":%d}`, 1+pick(s.Albums), 1+pick(3))
		return target{kind: k, method: http.MethodPost, path: "/order", body: []byte(body), ctype: "application/json"}
	}
	body := append([]byte("photo-"+strconv.FormatInt(seq, 10)+"\n"), pad...)
	return target{kind: k, method: http.MethodPost, path: "/upload?work=" + strconv.Itoa(s.UploadWork),
		body: body, ctype: "application/octet-stream"}
}

// send performs one request and classifies its answer.
func send(ctx context.Context, c *http.Client, base string, t target, timeout time.Duration) (ok, page, omitted bool, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if t.body != nil {
		body = bytes.NewReader(t.body)
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, t.method, base+t.path, body)
	if err != nil {
		return false, false, false, 0
	}
	if t.ctype != "" {
		req.Header.Set("Content-Type", t.ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, false, false, time.Since(start)
	}
	// Reading the body is part of the latency a user sees.
	_, copyErr := io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20))
	_ = resp.Body.Close()
	d = time.Since(start)
	ok = copyErr == nil && resp.StatusCode < 400
	page = ok && (t.kind == KindHome || t.kind == KindAlbum)
	omitted = page && resp.Header.Get(CommentsHeader) == CommentsOmitted
	return ok, page, omitted, d
}

// post makes one control call (the comments failure) and returns an error
// unless it was answered 2xx.
func post(ctx context.Context, c *http.Client, base, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, nil)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: status %d", path, resp.StatusCode)
	}
	return nil
}
