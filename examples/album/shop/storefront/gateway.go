package storefront

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Path prefixes under which the gateway routes to each service
// (examples/album/shoal.yaml strips them).
const (
	catalogPrefix  = "/api/catalog"
	ordersPrefix   = "/api/orders"
	commentsPrefix = "/api/comments"
	imagesPrefix   = "/api/images"
)

// gateway calls the other services through Shoal.
type gateway struct {
	base   string
	client *http.Client
}

func newGateway(base string, c *http.Client) *gateway {
	return &gateway{base: strings.TrimRight(base, "/"), client: c}
}

// upstreamError is a failed call, with the status when there was an answer.
type upstreamError struct {
	Path     string
	Status   int
	Fallback string // the gateway's Shoal-Fallback header, if any
	Err      error
}

func (e *upstreamError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("calling %s: %v", e.Path, e.Err)
	case e.Fallback != "":
		return fmt.Sprintf("calling %s: gateway fallback (%s)", e.Path, e.Fallback)
	}
	return fmt.Sprintf("calling %s: status %d", e.Path, e.Status)
}

func (e *upstreamError) Unwrap() error { return e.Err }

// getJSON decodes a 2xx JSON answer from path into v. A gateway fallback
// answer counts as a failure: it is a stand-in, not the service's data.
func (g *gateway) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		return &upstreamError{Path: path, Err: err}
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return &upstreamError{Path: path, Err: err}
	}
	defer resp.Body.Close()
	if fb := resp.Header.Get("Shoal-Fallback"); fb != "" {
		_, _ = io.Copy(io.Discard, resp.Body)
		return &upstreamError{Path: path, Status: resp.StatusCode, Fallback: fb}
	}
	if resp.StatusCode/100 != 2 {
		_, _ = io.Copy(io.Discard, resp.Body)
		return &upstreamError{Path: path, Status: resp.StatusCode}
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return &upstreamError{Path: path, Status: resp.StatusCode, Err: fmt.Errorf("decoding: %w", err)}
	}
	return nil
}

// pass sends a request with body on to path and copies the answer back to
// w, status and content type included.
func (g *gateway) pass(ctx context.Context, w http.ResponseWriter, method, path, contentType string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, method, g.base+path, body)
	if err != nil {
		return &upstreamError{Path: path, Err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return &upstreamError{Path: path, Err: err}
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, 1<<20))
	return nil
}
