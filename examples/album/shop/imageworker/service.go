// Package imageworker prepares uploaded photos for print: it decodes them
// into an image, blurs and downsizes it, and answers with a checksum of the
// result. It is the CPU-heavy service of the album shop (about 30 ms of CPU
// per request at work=1), so bulk uploads need more instances of it.
//
//	POST /process?work=N   body: the photo bytes (any content; it seeds the image)
package imageworker

import (
	"hash/fnv"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

type result struct {
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Checksum uint32 `json:"checksum"`
	Millis   int64  `json:"millis"`
	Instance string `json:"instance,omitempty"`
}

// maxWork bounds one request's cost, so a typo in a query cannot pin a core
// for minutes.
const maxWork = 10

func handler() http.Handler {
	instance := os.Getenv("SHOAL_INSTANCE")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		work := 1
		if v := r.URL.Query().Get("work"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxWork {
				kit.JSON(w, http.StatusBadRequest, map[string]string{"error": "work must be 1..10"})
				return
			}
			work = n
		}
		h := fnv.New64a()
		if _, err := io.Copy(h, io.LimitReader(r.Body, 8<<20)); err != nil {
			kit.JSON(w, http.StatusBadRequest, map[string]string{"error": "reading the upload: " + err.Error()})
			return
		}
		start := time.Now()
		img := generate(h.Sum64(), imageSide, imageSide)
		for range work * blurPasses {
			img = blur(img)
		}
		small := downsize(img)
		kit.JSON(w, http.StatusOK, result{
			Width:    small.w,
			Height:   small.h,
			Checksum: small.checksum(),
			Millis:   time.Since(start).Milliseconds(),
			Instance: instance,
		})
	})
	return mux
}

// Service is the image worker, ready for kit.Run.
func Service() (kit.Config, error) {
	// Eight requests that each want a core would only queue inside the
	// process on a small machine; four keeps latency honest and makes the
	// autoscaler add instances instead.
	return kit.Config{Name: "imageworker", Handler: handler(), MaxInFlight: 4}, nil
}
