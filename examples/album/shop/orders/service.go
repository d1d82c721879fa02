// Package orders takes print orders for albums.
//
//	POST /orders   {"album_id": 3, "copies": 2}  → 201 {"order_id": "...", ...}
//	GET  /orders   the number of orders taken by this instance
package orders

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

type order struct {
	AlbumID int `json:"album_id"`
	Copies  int `json:"copies"`
}

type receipt struct {
	OrderID  string `json:"order_id"`
	AlbumID  int    `json:"album_id"`
	Copies   int    `json:"copies"`
	Instance string `json:"instance,omitempty"`
}

func handler() http.Handler {
	var taken atomic.Int64
	instance := os.Getenv("SHOAL_INSTANCE")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var o order
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&o); err != nil {
			kit.JSON(w, http.StatusBadRequest, map[string]string{"error": "order must be JSON: " + err.Error()})
			return
		}
		if o.AlbumID <= 0 || o.Copies <= 0 || o.Copies > 100 {
			kit.JSON(w, http.StatusBadRequest, map[string]string{"error": "album_id > 0 and copies 1..100 are required"})
			return
		}
		// Writing an order is slower than reading the catalog (a
		// transaction and a payment check).
		time.Sleep(15 * time.Millisecond)
		n := taken.Add(1)
		kit.JSON(w, http.StatusCreated, receipt{
			OrderID:  fmt.Sprintf("%s-%d", instanceOr(instance), n),
			AlbumID:  o.AlbumID,
			Copies:   o.Copies,
			Instance: instance,
		})
	})
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, _ *http.Request) {
		kit.JSON(w, http.StatusOK, map[string]int64{"taken": taken.Load()})
	})
	return mux
}

func instanceOr(id string) string {
	if id == "" {
		return "order"
	}
	return id
}

// Service is the order desk, ready for kit.Run.
func Service() (kit.Config, error) {
	return kit.Config{Name: "orders", Handler: handler()}, nil
}
