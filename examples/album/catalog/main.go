// Command catalog runs the album shop's catalog service (package
// examples/album/shop/catalog) on 127.0.0.1:$PORT.
package main

import (
	"os"

	"github.com/shoal-gw/shoal/examples/album/shop"
	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

func main() {
	if err := shop.Run("catalog"); err != nil {
		kit.Logger("catalog").Error("service stopped", "err", err)
		os.Exit(1)
	}
}
