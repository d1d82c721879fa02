// Command orders runs the album shop's orders service (package
// examples/album/shop/orders) on 127.0.0.1:$PORT.
package main

import (
	"os"

	"github.com/shoal-gw/shoal/examples/album/shop"
	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

func main() {
	if err := shop.Run("orders"); err != nil {
		kit.Logger("orders").Error("service stopped", "err", err)
		os.Exit(1)
	}
}
