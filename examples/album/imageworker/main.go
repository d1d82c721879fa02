// Command imageworker runs the album shop's imageworker service (package
// examples/album/shop/imageworker) on 127.0.0.1:$PORT.
package main

import (
	"os"

	"github.com/shoal-gw/shoal/examples/album/shop"
	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

func main() {
	if err := shop.Run("imageworker"); err != nil {
		kit.Logger("imageworker").Error("service stopped", "err", err)
		os.Exit(1)
	}
}
