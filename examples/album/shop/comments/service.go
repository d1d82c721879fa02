// Package comments serves readers' comments on albums. Pages show them when
// they can and leave them out when they cannot: this is the optional
// dependency the demo breaks midway.
//
//	GET  /albums/{id}/comments   comments on one album
//	GET  /recent                 the newest comments across albums
//	POST /fail?for=20s&mode=error|hang   make every instance fail for a while
//	POST /recover                end the failure now
//
// The failure is a flag file shared by every instance of this binary (by
// default next to the executable; COMMENTS_FLAG_FILE overrides it), so a
// /fail that reaches one instance through the gateway breaks them all,
// instances started later included, and it ends by itself when "for" runs
// out, even if nobody calls /recover. /healthz stays healthy: the process
// is fine, its data source is not, as when a database goes away.
package comments

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

// Comment is one reader's note on an album.
type Comment struct {
	AlbumID int    `json:"album_id"`
	Author  string `json:"author"`
	Text    string `json:"text"`
}

func commentsFor(id int) []Comment {
	authors := []string{"Ana", "Ben", "Chloé", "Dev", "Eli", "Femi"}
	texts := []string{"Lovely print quality.", "The colours came out just right.",
		"Ordered a second copy for my parents.", "Paper feels great.", "Arrived in three days."}
	n := 1 + id%3
	out := make([]Comment, n)
	for i := range out {
		out[i] = Comment{AlbumID: id, Author: authors[(id+i)%len(authors)], Text: texts[(id*7+i)%len(texts)]}
	}
	return out
}

func handler(flag *failFlag) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /albums/{id}/comments", func(w http.ResponseWriter, r *http.Request) {
		if flag.failing(w, r) {
			return
		}
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || id < 1 {
			kit.JSON(w, http.StatusNotFound, map[string]string{"error": "no such album"})
			return
		}
		time.Sleep(2 * time.Millisecond)
		kit.JSON(w, http.StatusOK, commentsFor(id))
	})
	mux.HandleFunc("GET /recent", func(w http.ResponseWriter, r *http.Request) {
		if flag.failing(w, r) {
			return
		}
		time.Sleep(2 * time.Millisecond)
		kit.JSON(w, http.StatusOK, append(commentsFor(1)[:1], commentsFor(2)[:1]...))
	})
	mux.HandleFunc("POST /fail", func(w http.ResponseWriter, r *http.Request) {
		d := 30 * time.Second
		if v := r.URL.Query().Get("for"); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed <= 0 || parsed > time.Hour {
				kit.JSON(w, http.StatusBadRequest, map[string]string{"error": "for must be a duration up to 1h"})
				return
			}
			d = parsed
		}
		mode := r.URL.Query().Get("mode")
		if mode == "" {
			mode = modeError
		}
		if mode != modeError && mode != modeHang {
			kit.JSON(w, http.StatusBadRequest, map[string]string{"error": "mode must be error or hang"})
			return
		}
		until := time.Now().Add(d)
		if err := flag.set(mode, until); err != nil {
			kit.JSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		flag.log.Warn("comments now failing", "mode", mode, "until", until.Format(time.RFC3339))
		kit.JSON(w, http.StatusOK, map[string]string{"mode": mode, "until": until.Format(time.RFC3339Nano)})
	})
	mux.HandleFunc("POST /recover", func(w http.ResponseWriter, _ *http.Request) {
		if err := flag.clear(); err != nil {
			kit.JSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		flag.log.Info("comments recovered")
		kit.JSON(w, http.StatusOK, map[string]string{"mode": "ok"})
	})
	return mux
}

func flagPath() (string, error) {
	if p := os.Getenv("COMMENTS_FLAG_FILE"); p != "" {
		return p, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the executable for the flag file: %w", err)
	}
	return filepath.Join(filepath.Dir(exe), "album-comments.fail"), nil
}

// Service is the comments service, ready for kit.Run.
func Service() (kit.Config, error) {
	path, err := flagPath()
	if err != nil {
		return kit.Config{}, err
	}
	return kit.Config{Name: "comments", Handler: handler(newFailFlag(path, kit.Logger("comments")))}, nil
}
