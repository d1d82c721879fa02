package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestProxyAlternatesUpstreams(t *testing.T) {
	var hits [2]int
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits[0]++ }))
	defer a.Close()
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits[1]++ }))
	defer b.Close()
	p, err := newProxy(a.URL+","+b.URL, 8)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	for range 4 {
		resp, err := http.Get(front.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if hits != [2]int{2, 2} {
		t.Fatalf("hits = %v, want [2 2]", hits)
	}
}

func TestProxyRejectsMissingUpstream(t *testing.T) {
	if _, err := newProxy(" , ", 8); err == nil {
		t.Fatal("want an error for an empty -to")
	}
	if _, err := newProxy("127.0.0.1:9", 8); err == nil {
		t.Fatal("want an error for a URL without scheme")
	}
}
