package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// toxi drives a toxiproxy-server process through its HTTP API. The server
// is the version pinned in tools/go.mod (scripts/install-deps.sh builds it
// into .bin/); the tests talk to it with plain HTTP so the client library
// need not enter the gateway's go.mod.
type toxi struct {
	api  string
	proc *freeport.Proc
}

// startToxiproxy runs the server on a loopback port that pick chooses
// (freeport.Ports but in the test of the retry), building it from the
// tools module when .bin/ does not have it.
func startToxiproxy(pick func(n int) ([]int, error)) (*toxi, error) {
	bin, err := filepath.Abs("../../.bin/toxiproxy-server")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		bin = filepath.Join(os.TempDir(), "shoal-chaos-toxiproxy-server")
		build := exec.Command("go", "build", "-o", bin, "github.com/Shopify/toxiproxy/v2/cmd/server")
		build.Dir = "../../tools"
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building toxiproxy-server: %w\n%s", err, out)
		}
	}
	// The server takes a port number, not a socket; freeport.Listen starts
	// it again on a new port when another process bound its port first
	// (it then logs "address already in use" and keeps running without
	// its API). The log is in the default temporary directory: the server
	// is started from TestMain, where no test's directory exists; stop
	// removes it.
	proc, ports, err := freeport.Listen(1, pick, 10*time.Second, func(ports []int) (*freeport.Proc, error) {
		return freeport.Start(exec.Command(bin, "-host", "127.0.0.1", "-port", fmt.Sprint(ports[0])), "")
	})
	if err != nil {
		return nil, fmt.Errorf("toxiproxy-server: %w", err)
	}
	t := &toxi{api: "http://" + freeport.Addrs(ports)[0], proc: proc}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(t.api + "/version"); err == nil {
			resp.Body.Close()
			return t, nil
		}
	}
	out := proc.Output()
	t.stop()
	return nil, fmt.Errorf("toxiproxy-server did not answer on %s\n%s", t.api, out)
}

// stop kills the server, waits for it and removes its log.
func (t *toxi) stop() {
	t.proc.Kill()
	_ = os.Remove(t.proc.Log())
}

func (t *toxi) call(method, path string, body any, out any) error {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return err
		}
	}
	req, err := http.NewRequest(method, t.api+path, &buf)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("toxiproxy %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return fmt.Errorf("toxiproxy %s %s: %s %s", method, path, resp.Status, b.String())
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

// proxy is one toxiproxy listener in front of a backend.
type proxy struct {
	t      *toxi
	name   string
	listen string
}

// newProxy puts a proxy in front of upstream (host:port) and removes it
// when the test ends.
func (t *toxi) newProxy(tb testing.TB, upstream string) *proxy {
	tb.Helper()
	name := fmt.Sprintf("p%d", time.Now().UnixNano())
	var got struct {
		Listen string `json:"listen"`
	}
	if err := t.call("POST", "/proxies", map[string]any{"name": name, "listen": "127.0.0.1:0", "upstream": upstream, "enabled": true}, &got); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = t.call("DELETE", "/proxies/"+name, nil, nil) })
	return &proxy{t: t, name: name, listen: got.Listen}
}

// toxic adds a toxic; stream is "upstream" (client → backend) or
// "downstream".
func (p *proxy) toxic(tb testing.TB, name, typ, stream string, attrs map[string]any) {
	tb.Helper()
	if err := p.t.call("POST", "/proxies/"+p.name+"/toxics", map[string]any{
		"name": name, "type": typ, "stream": stream, "toxicity": 1.0, "attributes": attrs,
	}, nil); err != nil {
		tb.Fatal(err)
	}
}

func (p *proxy) removeToxic(tb testing.TB, name string) {
	tb.Helper()
	if err := p.t.call("DELETE", "/proxies/"+p.name+"/toxics/"+name, nil, nil); err != nil {
		tb.Fatal(err)
	}
}

// setEnabled takes the proxy down (connections refused, open ones closed)
// or brings it back.
func (p *proxy) setEnabled(tb testing.TB, on bool) {
	tb.Helper()
	if err := p.t.call("POST", "/proxies/"+p.name, map[string]any{"enabled": on}, nil); err != nil {
		tb.Fatal(err)
	}
}

func (p *proxy) url() string { return "http://" + p.listen }
