package activator

import (
	"html"
	"net/http"
	"strconv"
	"strings"
)

// acceptsHTML tells a browser navigation from an API client: browsers list
// text/html explicitly, while curl and most HTTP libraries send */* or
// nothing.
func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") {
			return true
		}
	}
	return false
}

// startingPage renders the page once per activator. It refreshes itself
// every second and needs nothing else from the network: the service behind
// it is, by definition, not there yet.
func startingPage(service string) []byte {
	name := html.EscapeString(service)
	if name == "" {
		name = "The service"
	}
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="1">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Starting up…</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;color:#223;background:#f6f7f9}
main{text-align:center}p{color:#667}</style>
</head><body><main><h1>`)
	b.WriteString(name)
	b.WriteString(` is starting up</h1>
<p>This page reloads by itself as soon as it is ready.</p></main></body></html>
`)
	return []byte(b.String())
}

func (a *Activator) writePage(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(a.page)))
	// A cached copy would keep showing "starting" after the service is up.
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", a.retryAfter)
	h.Set("Shoal-Error", ReasonStarting)
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(a.page)
}
