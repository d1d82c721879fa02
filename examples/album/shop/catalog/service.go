// Package catalog is the album shop's product catalog: a fixed set of photo
// albums as JSON. It is cheap to call; under evening browsing it scales out
// with the storefront because every page asks it for album data.
//
//	GET /albums        every album
//	GET /albums/{id}   one album (404 when unknown)
package catalog

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

// Album is one printable photo album.
type Album struct {
	ID       int     `json:"id"`
	Title    string  `json:"title"`
	Pages    int     `json:"pages"`
	Format   string  `json:"format"`
	PriceEUR float64 `json:"price_eur"`
}

// albumCount matches the ids the demo's load generator asks for (1..12).
const albumCount = 12

func albums() []Album {
	themes := []string{"Summer by the sea", "Wedding day", "First year", "Mountains",
		"City lights", "Grandparents", "Road trip", "Winter cabin", "Garden",
		"Graduation", "Our dog", "Festival"}
	formats := []string{"A4 landscape", "A4 portrait", "30x30 square"}
	out := make([]Album, albumCount)
	for i := range out {
		out[i] = Album{
			ID:       i + 1,
			Title:    themes[i%len(themes)],
			Pages:    24 + 8*(i%5),
			Format:   formats[i%len(formats)],
			PriceEUR: 29.90 + float64(i%4)*10,
		}
	}
	return out
}

func handler() http.Handler {
	all := albums()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /albums", func(w http.ResponseWriter, _ *http.Request) {
		work()
		kit.JSON(w, http.StatusOK, all)
	})
	mux.HandleFunc("GET /albums/{id}", func(w http.ResponseWriter, r *http.Request) {
		work()
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || id < 1 || id > len(all) {
			kit.JSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no album %q", r.PathValue("id"))})
			return
		}
		kit.JSON(w, http.StatusOK, all[id-1])
	})
	return mux
}

// work stands for a database lookup: a few milliseconds of waiting, so that
// a burst of page views shows up as requests in flight.
func work() { time.Sleep(3 * time.Millisecond) }

// Service is the catalog, ready for kit.Run.
func Service() (kit.Config, error) {
	return kit.Config{Name: "catalog", Handler: handler()}, nil
}
