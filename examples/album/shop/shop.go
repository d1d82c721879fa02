// Package shop runs the album shop's services (examples/album) by name, so
// that one binary can be every service: the small main packages under
// examples/album/ use it, and so can a program that wants to start the
// shop without building five binaries (the run: command can then be that
// program itself, with the service name as an argument).
package shop

import (
	"fmt"

	"github.com/shoal-gw/shoal/examples/album/shop/catalog"
	"github.com/shoal-gw/shoal/examples/album/shop/comments"
	"github.com/shoal-gw/shoal/examples/album/shop/imageworker"
	"github.com/shoal-gw/shoal/examples/album/shop/kit"
	"github.com/shoal-gw/shoal/examples/album/shop/orders"
	"github.com/shoal-gw/shoal/examples/album/shop/storefront"
)

// Names lists the services in the order a reader meets them.
func Names() []string {
	return []string{"storefront", "catalog", "orders", "imageworker", "comments"}
}

// Run serves the named service on 127.0.0.1:$PORT until SIGTERM or SIGINT.
// Environment: PORT (required), MAX_IN_FLIGHT; the storefront reads
// GATEWAY_URL and COMMENTS_TIMEOUT, comments reads COMMENTS_FLAG_FILE.
func Run(name string) error {
	var (
		cfg kit.Config
		err error
	)
	switch name {
	case "storefront":
		cfg, err = storefront.Service()
	case "catalog":
		cfg, err = catalog.Service()
	case "orders":
		cfg, err = orders.Service()
	case "imageworker":
		cfg, err = imageworker.Service()
	case "comments":
		cfg, err = comments.Service()
	default:
		return fmt.Errorf("album shop: no service %q (have %v)", name, Names())
	}
	if err != nil {
		return fmt.Errorf("album shop: setting up %s: %w", name, err)
	}
	if err := kit.Run(cfg); err != nil {
		return fmt.Errorf("album shop: %s: %w", name, err)
	}
	return nil
}
