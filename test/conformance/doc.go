// Package conformance runs public protocol suites (grpc-go's interop
// client, h2spec) against Shoal's listeners and forwarder, on loopback
// only. The tools are the versions pinned in tools/go.mod; a test builds
// one when scripts/install-deps.sh has not put it in .bin/.
package conformance
