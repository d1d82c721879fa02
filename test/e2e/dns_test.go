package e2e

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// TestDNSDiscovery resolves a service's instances with the system resolver
// (localhost, from /etc/hosts) and routes to them.
func TestDNSDiscovery(t *testing.T) {
	o := named(t, "found-by-dns", 0)
	u, _ := url.Parse(o.URL)
	g := runGateway(t, fmt.Sprintf(`services:
  api:
    dns: {names: ["localhost:%s"], interval: 1s}
    # localhost may also resolve to ::1, where nothing listens: the TCP
    # check keeps such an address out of rotation.
    health: {type: tcp, interval: 200ms, timeout: 100ms}
routes:
  - {service: api}
`, u.Port()))
	listen, admin := g.listen, g.admin
	eventually(t, 5*time.Second, "instance found by DNS serves", func() bool {
		resp, body := get(t, "http://"+listen+"/")
		return resp.StatusCode == 200 && body == "found-by-dns"
	})
	_, body := get(t, "http://"+admin+"/api/services/api")
	t.Logf("service: %s", body)
}
