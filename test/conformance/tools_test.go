package conformance

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/proxy"
)

var buildMu sync.Mutex

// tool returns the path of a pinned tool binary: .bin/NAME when
// install-deps built it, else a build from the tools module cached in the
// temporary directory.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	if bin, err := filepath.Abs("../../.bin/" + name); err == nil {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	return build(t, name, "../../tools", pkg)
}

func build(t *testing.T, name, dir, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	bin := filepath.Join(os.TempDir(), "shoal-conformance-"+name)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, out)
	}
	return bin
}

// sharedInterop builds the grpc-go interop TestService server kept with the
// shared conformance helpers (it binds loopback only, unlike grpc-go's own
// interop server binary).
func sharedInterop(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../shared/conformance/grpcinterop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
		t.Skipf("grpc interop server sources not found at %s", dir)
	}
	return build(t, "grpcinterop", dir, ".")
}

// startProcess runs bin until the test ends.
func startProcess(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// forwardTo is the gateway's leaf forwarder pointed at one endpoint.
func forwardTo(t *testing.T, target string, opts proxy.TransportOptions) http.Handler {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tr := proxy.NewTransport(opts)
	t.Cleanup(tr.CloseIdleConnections)
	fwd := proxy.NewReverseProxy(tr, slog.New(slog.DiscardHandler), proxy.WithTransportOptions(opts))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fwd.Forward(w, r, u) })
}

// gatewayFromYAML builds the whole gateway as `shoal run` does from a
// config (routing, the route chain, the services' upstreams) and listens
// with h2c on; it returns the address.
func gatewayFromYAML(t *testing.T, yaml string) string {
	t.Helper()
	cfg, err := config.Parse("conformance.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	gw := gateway.New(gateway.Options{})
	t.Cleanup(gw.Close)
	if err := gw.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	return listen(t, gw, gateway.ServerOptions{H2C: true})
}

// listen starts the gateway's listeners over h.
func listen(t *testing.T, h http.Handler, opts gateway.ServerOptions) string {
	t.Helper()
	s, err := gateway.Listen([]string{"127.0.0.1:0"}, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s.Addrs()[0]
}

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitListening polls until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %s", addr)
}
