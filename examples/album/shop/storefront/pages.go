package storefront

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

type album struct {
	ID       int     `json:"id"`
	Title    string  `json:"title"`
	Pages    int     `json:"pages"`
	Format   string  `json:"format"`
	PriceEUR float64 `json:"price_eur"`
}

type comment struct {
	AlbumID int    `json:"album_id"`
	Author  string `json:"author"`
	Text    string `json:"text"`
}

type shop struct {
	gw              *gateway
	log             *slog.Logger
	commentsTimeout time.Duration
}

// Header names the load generator (internal/demo) reads.
const (
	commentsHeader       = "X-Album-Comments"
	commentsReasonHeader = "X-Album-Comments-Reason"
)

func (s *shop) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /album/{id}", s.album)
	mux.HandleFunc("POST /order", s.order)
	mux.HandleFunc("POST /upload", s.upload)
	return mux
}

// fetchComments runs the optional call with its own short deadline, in
// parallel with the page's required data.
func (s *shop) fetchComments(ctx context.Context, path string) <-chan commentsResult {
	out := make(chan commentsResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, s.commentsTimeout)
		defer cancel()
		var cs []comment
		err := s.gw.getJSON(ctx, path, &cs)
		out <- commentsResult{comments: cs, err: err}
	}()
	return out
}

type commentsResult struct {
	comments []comment
	err      error
}

// reason is a short, stable word for the header and logs.
func (r commentsResult) reason() string {
	var ue *upstreamError
	switch {
	case r.err == nil:
		return ""
	case errors.Is(r.err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(r.err, &ue) && ue.Fallback != "":
		return "fallback " + ue.Fallback
	case errors.As(r.err, &ue) && ue.Status != 0:
		return "status " + strconv.Itoa(ue.Status)
	}
	return "error"
}

func (s *shop) home(w http.ResponseWriter, r *http.Request) {
	comments := s.fetchComments(r.Context(), commentsPrefix+"/recent")
	var albums []album
	if err := s.gw.getJSON(r.Context(), catalogPrefix+"/albums", &albums); err != nil {
		s.log.Warn("home page without catalog", "err", err)
		http.Error(w, "the catalog is unavailable", http.StatusBadGateway)
		return
	}
	s.render(w, homeTmpl, pageData{Albums: albums}, <-comments)
}

func (s *shop) album(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 1 {
		http.Error(w, "no such album", http.StatusNotFound)
		return
	}
	comments := s.fetchComments(r.Context(), commentsPrefix+"/albums/"+strconv.Itoa(id)+"/comments")
	var a album
	if err := s.gw.getJSON(r.Context(), catalogPrefix+"/albums/"+strconv.Itoa(id), &a); err != nil {
		var ue *upstreamError
		if errors.As(err, &ue) && ue.Status == http.StatusNotFound {
			http.Error(w, "no such album", http.StatusNotFound)
			return
		}
		s.log.Warn("album page without catalog", "album", id, "err", err)
		http.Error(w, "the catalog is unavailable", http.StatusBadGateway)
		return
	}
	s.render(w, albumTmpl, pageData{Album: a}, <-comments)
}

type pageData struct {
	Albums           []album
	Album            album
	Comments         []comment
	CommentsOmitted  bool
	CommentsFailWhy  string
	RenderedAtMillis int64
}

func (s *shop) render(w http.ResponseWriter, t *template.Template, d pageData, c commentsResult) {
	if c.err != nil {
		d.CommentsOmitted, d.CommentsFailWhy = true, c.reason()
		w.Header().Set(commentsHeader, "omitted")
		w.Header().Set(commentsReasonHeader, d.CommentsFailWhy)
		s.log.Debug("page rendered without comments", "err", c.err)
	} else {
		d.Comments = c.comments
		w.Header().Set(commentsHeader, "shown")
	}
	d.RenderedAtMillis = time.Now().UnixMilli()
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		s.log.Error("rendering page", "err", err)
		http.Error(w, "rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

func (s *shop) order(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.gw.pass(ctx, w, http.MethodPost, ordersPrefix+"/orders", "application/json", http.MaxBytesReader(w, r.Body, 64<<10)); err != nil {
		s.log.Warn("order not placed", "err", err)
		http.Error(w, "orders are unavailable", http.StatusBadGateway)
	}
}

func (s *shop) upload(w http.ResponseWriter, r *http.Request) {
	path := imagesPrefix + "/process"
	if work := r.URL.Query().Get("work"); work != "" {
		path += "?work=" + strconv.Itoa(atoiOr(work, 1))
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	if err := s.gw.pass(ctx, w, http.MethodPost, path, "application/octet-stream", http.MaxBytesReader(w, r.Body, 8<<20)); err != nil {
		s.log.Warn("upload not processed", "err", err)
		http.Error(w, "image processing is unavailable", http.StatusBadGateway)
	}
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
