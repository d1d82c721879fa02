// Command comments runs the album shop's comments service (package
// examples/album/shop/comments) on 127.0.0.1:$PORT.
package main

import (
	"os"

	"github.com/shoal-gw/shoal/examples/album/shop"
	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

func main() {
	if err := shop.Run("comments"); err != nil {
		kit.Logger("comments").Error("service stopped", "err", err)
		os.Exit(1)
	}
}
