// Package album embeds the album shop's Shoal config so that `shoal demo`
// can run the shop from the shoal binary alone, with nothing else installed.
package album

import _ "embed"

// Config returns examples/album/shoal.yaml as written.
func Config() []byte { return config }

//go:embed shoal.yaml
var config []byte
