package storefront

import "html/template"

// The pages are small on purpose: the demo is about the traffic behind
// them. Each carries a data-comments marker so a browser test can tell the
// fallback from a full page as well as the header can.
const layoutHead = `<!doctype html><html><head><meta charset="utf-8"><title>Album shop</title></head><body>`

const commentsBlock = `{{if .CommentsOmitted}}<section data-comments="omitted"><p>Comments are unavailable right now.</p></section>` +
	`{{else}}<section data-comments="shown"><h2>Comments</h2><ul>{{range .Comments}}<li><b>{{.Author}}</b>: {{.Text}}</li>{{end}}</ul></section>{{end}}`

var homeTmpl = template.Must(template.New("home").Parse(layoutHead +
	`<h1>Album shop</h1><ul>{{range .Albums}}<li><a href="/album/{{.ID}}">{{.Title}}</a> · {{.Pages}} pages · {{.Format}} · €{{printf "%.2f" .PriceEUR}}</li>{{end}}</ul>` +
	commentsBlock + `</body></html>`))

var albumTmpl = template.Must(template.New("album").Parse(layoutHead +
	`<h1>{{.Album.Title}}</h1><p>{{.Album.Pages}} pages, {{.Album.Format}}, €{{printf "%.2f" .Album.PriceEUR}}</p>` +
	`<form method="post" action="/order"><button>Order a print</button></form>` +
	commentsBlock + `</body></html>`))
