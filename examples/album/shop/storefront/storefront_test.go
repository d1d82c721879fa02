package storefront

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeGateway stands in for Shoal in front of catalog, comments and the
// image worker; commentsMode picks how comments behave.
func fakeGateway(t *testing.T, commentsMode *atomic.Value) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/catalog/albums", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode([]album{{ID: 1, Title: "Sea"}})
	})
	mux.HandleFunc("GET /api/catalog/albums/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "1" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(album{ID: 1, Title: "Sea"})
	})
	comments := func(w http.ResponseWriter, r *http.Request) {
		switch commentsMode.Load().(string) {
		case "error":
			http.Error(w, "down", http.StatusInternalServerError)
		case "hang":
			<-r.Context().Done()
		case "fallback":
			w.Header().Set("Shoal-Fallback", "circuit_open")
			_, _ = io.WriteString(w, "[]")
		default:
			_ = json.NewEncoder(w).Encode([]comment{{AlbumID: 1, Author: "Ana", Text: "Nice"}})
		}
	}
	mux.HandleFunc("GET /api/comments/recent", comments)
	mux.HandleFunc("GET /api/comments/albums/{id}/comments", comments)
	mux.HandleFunc("POST /api/images/process", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"work":"`+r.URL.Query().Get("work")+`"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestPagesRenderWithoutCommentsWhenTheyFail(t *testing.T) {
	var mode atomic.Value
	mode.Store("ok")
	gw := fakeGateway(t, &mode)
	s := &shop{gw: newGateway(gw.URL, gw.Client()), log: slog.New(slog.DiscardHandler), commentsTimeout: 100 * time.Millisecond}
	h := s.routes()
	cases := []struct {
		mode, want, reason string
	}{
		{"ok", "shown", ""},
		{"error", "omitted", "status 500"},
		{"hang", "omitted", "timeout"},
		{"fallback", "omitted", "fallback circuit_open"},
	}
	for _, c := range cases {
		mode.Store(c.mode)
		for _, path := range []string{"/", "/album/1"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s with comments %s: status %d", path, c.mode, rec.Code)
			}
			if got := rec.Header().Get(commentsHeader); got != c.want {
				t.Errorf("%s with comments %s: %s=%q, want %q", path, c.mode, commentsHeader, got, c.want)
			}
			if got := rec.Header().Get(commentsReasonHeader); got != c.reason {
				t.Errorf("%s with comments %s: reason %q, want %q", path, c.mode, got, c.reason)
			}
			if !strings.Contains(rec.Body.String(), `data-comments="`+c.want+`"`) {
				t.Errorf("%s with comments %s: body lacks the %s marker", path, c.mode, c.want)
			}
		}
	}
}

func TestUnknownAlbumIs404AndUploadKeepsWork(t *testing.T) {
	var mode atomic.Value
	mode.Store("ok")
	gw := fakeGateway(t, &mode)
	h := (&shop{gw: newGateway(gw.URL, gw.Client()), log: slog.New(slog.DiscardHandler), commentsTimeout: time.Second}).routes()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/album/7", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("unknown album: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/upload?work=3", strings.NewReader("pixels")))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"work":"3"`) {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
}
