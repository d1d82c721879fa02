// Package storefront is the album shop's backend for its web front end. It
// renders pages from the catalog and the comments service and passes
// orders and photo uploads on. It reaches every other service through the
// Shoal gateway (GATEWAY_URL), so that their traffic is routed, measured
// and scaled by Shoal like any client's.
//
//	GET  /             home page: albums and recent comments
//	GET  /album/{id}   one album with its comments
//	POST /order        JSON {"album_id": 3, "copies": 1}, passed to orders
//	POST /upload       photo bytes, passed to imageworker (?work=N is kept)
//
// Comments are optional: when they fail, are slow, or the gateway answers
// with a fallback, the page renders without them and says so in the
// X-Album-Comments header ("shown" or "omitted"; the reason is in
// X-Album-Comments-Reason).
package storefront

import (
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/examples/album/shop/kit"
)

// Service is the storefront, ready for kit.Run.
func Service() (kit.Config, error) {
	log := kit.Logger("storefront")
	commentsTimeout, err := time.ParseDuration(kit.Env("COMMENTS_TIMEOUT", "300ms"))
	if err != nil {
		log.Warn("COMMENTS_TIMEOUT is not a duration, using 300ms", "err", err)
		commentsTimeout = 300 * time.Millisecond
	}
	gw := newGateway(kit.Env("GATEWAY_URL", "http://127.0.0.1:8080"), &http.Client{
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: 30 * time.Second},
	})
	s := &shop{gw: gw, log: log, commentsTimeout: commentsTimeout}
	return kit.Config{Name: "storefront", Handler: s.routes(), MaxInFlight: 16}, nil
}
