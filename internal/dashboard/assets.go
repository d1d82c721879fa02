package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
)

//go:embed assets
var assetFS embed.FS

// contentType is set explicitly: mime.TypeByExtension reads the system's
// tables, which differ between machines. Other files are not served.
func contentType(name string) (string, bool) {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8", true
	case ".css":
		return "text/css; charset=utf-8", true
	case ".svg":
		return "image/svg+xml", true
	}
	return "", false
}

// pageCSP keeps the page to its own origin: nothing is fetched from the
// network, and no inline script runs.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type asset struct {
	body        []byte
	contentType string
	etag        string
	version     string // short content hash, appended as ?v= by the page
}

type assetSet struct {
	files map[string]asset // by file name under assets/
	page  []byte           // the rendered index.html
}

// loadAssets reads the embedded files and renders the page once, with each
// asset's URL carrying its content hash so browsers may cache it for good.
func loadAssets(title string) (*assetSet, error) {
	set := &assetSet{files: map[string]asset{}}
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		return nil, fmt.Errorf("reading embedded assets: %w", err)
	}
	for _, e := range entries {
		ct, ok := contentType(e.Name())
		if !ok {
			continue // index.html is a template, not served as a file
		}
		body, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading asset %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		v := hex.EncodeToString(sum[:8])
		set.files[e.Name()] = asset{body: body, contentType: ct, etag: `"` + v + `"`, version: v}
	}
	tmpl, err := template.ParseFS(assetFS, "assets/index.html")
	if err != nil {
		return nil, fmt.Errorf("parsing the dashboard page: %w", err)
	}
	var page bytes.Buffer
	err = tmpl.Execute(&page, map[string]any{
		"Title": title,
		"Asset": func(name string) (string, error) {
			a, ok := set.files[name]
			if !ok {
				return "", fmt.Errorf("page refers to missing asset %q", name)
			}
			return "assets/" + name + "?v=" + a.version, nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("rendering the dashboard page: %w", err)
	}
	set.page = page.Bytes()
	return set, nil
}

func (h *Handler) servePage(w http.ResponseWriter, _ *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	// The page names the current asset versions, so it is revalidated
	// every time; the assets themselves are cached.
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Security-Policy", pageCSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(h.assets.page)
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("ETag", a.etag)
	if r.URL.Query().Get("v") == a.version {
		// A versioned URL always names these exact bytes.
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(a.body)
}
