// Command storefront runs the album shop's storefront service (package
// examples/album/shop/storefront) on 127.0.0.1:$PORT.
package main

import (
	"os"

	"github.com/shoal-gw/shoal/examples/album/shop"
	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

func main() {
	if err := shop.Run("storefront"); err != nil {
		kit.Logger("storefront").Error("service stopped", "err", err)
		os.Exit(1)
	}
}
