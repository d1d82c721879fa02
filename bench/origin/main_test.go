package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandlerServesFixedBodyAndName(t *testing.T) {
	srv := httptest.NewServer(newHandler("b", 1024))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/any/path")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(body) != 1024 || resp.Header.Get("X-Origin") != "b" {
		t.Fatalf("got status %d, %d bytes, X-Origin %q; want 200, 1024, b",
			resp.StatusCode, len(body), resp.Header.Get("X-Origin"))
	}
}
