package shop

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-gw/shoal/examples/album/shop/catalog"
	"github.com/shoal-gw/shoal/examples/album/shop/comments"
	"github.com/shoal-gw/shoal/examples/album/shop/imageworker"
	"github.com/shoal-gw/shoal/examples/album/shop/kit"
	"github.com/shoal-gw/shoal/examples/album/shop/orders"
	"github.com/shoal-gw/shoal/examples/album/shop/storefront"
)

// TestShopThroughAStandInGateway wires the five services the way
// examples/album/shoal.yaml does (prefixes stripped, storefront at /) with
// a plain mux in place of Shoal, and walks a page, an order, an upload and
// the comments failure.
func TestShopThroughAStandInGateway(t *testing.T) {
	t.Setenv("COMMENTS_FLAG_FILE", filepath.Join(t.TempDir(), "comments.fail"))
	mux := http.NewServeMux()
	gw := httptest.NewServer(mux)
	defer gw.Close()
	t.Setenv("GATEWAY_URL", gw.URL)
	for prefix, svc := range map[string]func() (kit.Config, error){
		"/api/catalog":  catalog.Service,
		"/api/orders":   orders.Service,
		"/api/images":   imageworker.Service,
		"/api/comments": comments.Service,
	} {
		cfg, err := svc()
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(prefix+"/", http.StripPrefix(prefix, cfg.Handler))
	}
	front, err := storefront.Service()
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", front.Handler)

	call := func(method, path, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, gw.URL+path, strings.NewReader(body))
		resp, err := gw.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := call(http.MethodGet, "/album/3", "")
	if resp.StatusCode != 200 || resp.Header.Get("X-Album-Comments") != "shown" || !strings.Contains(body, "First year") {
		t.Fatalf("album page: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if resp, body = call(http.MethodPost, "/order", `{"album_id":3,"copies":2}`); resp.StatusCode != 201 || !strings.Contains(body, `"copies":2`) {
		t.Fatalf("order: %d %s", resp.StatusCode, body)
	}
	if resp, body = call(http.MethodPost, "/upload?work=1", "pixels"); resp.StatusCode != 200 || !strings.Contains(body, `"checksum"`) {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	if resp, body = call(http.MethodPost, "/api/comments/fail?for=1m", ""); resp.StatusCode != 200 {
		t.Fatalf("fail: %d %s", resp.StatusCode, body)
	}
	resp, body = call(http.MethodGet, "/", "")
	if resp.StatusCode != 200 || resp.Header.Get("X-Album-Comments") != "omitted" || !strings.Contains(body, "Summer by the sea") {
		t.Fatalf("home page with comments down: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestRunRefusesUnknownService(t *testing.T) {
	if err := Run("billing"); err == nil || !strings.Contains(err.Error(), "billing") {
		t.Fatalf("Run(billing) = %v", err)
	}
}
