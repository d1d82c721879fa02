package conformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/proxy"
)

// h2specBaseline is the committed pass count per listener kind; the test
// fails when the gateway passes fewer (a regression) and asks for the file
// to be raised when it passes more.
type h2specBaseline struct {
	Total int `json:"total"`
	TLS   int `json:"tls"`
	H2C   int `json:"h2c"`
}

var h2specSummary = regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`)

func TestH2Spec(t *testing.T) {
	if testing.Short() {
		t.Skip("runs external processes")
	}
	bin := tool(t, "h2spec", "github.com/summerwind/h2spec/cmd/h2spec")
	raw, err := os.ReadFile("testdata/h2spec-baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	var base h2specBaseline
	if err := json.Unmarshal(raw, &base); err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "origin")
	}))
	t.Cleanup(origin.Close)
	h := forwardTo(t, origin.URL, proxy.TransportOptions{})
	dir := t.TempDir()
	cert := writeCert(t, dir)
	for _, c := range []struct {
		name string
		opts gateway.ServerOptions
		args []string
		want int
	}{
		{"tls", gateway.ServerOptions{TLS: &gateway.TLSOptions{Certificates: []gateway.CertFiles{cert}}}, []string{"-t", "-k"}, base.TLS},
		{"h2c", gateway.ServerOptions{H2C: true}, nil, base.H2C},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := listen(t, h, c.opts)
			_, port, _ := net.SplitHostPort(addr)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			args := append([]string{"-h", "127.0.0.1", "-p", port, "-o", "2"}, c.args...)
			out, _ := exec.CommandContext(ctx, bin, args...).CombinedOutput()
			m := h2specSummary.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no h2spec summary in output:\n%s", out)
			}
			total, _ := strconv.Atoi(string(m[1]))
			passed, _ := strconv.Atoi(string(m[2]))
			t.Logf("h2spec %s: %d of %d passed (baseline %d)\n%s", c.name, passed, total, c.want, failuresOnly(out))
			if total != base.Total {
				t.Errorf("h2spec ran %d cases, baseline is for %d", total, base.Total)
			}
			if passed < c.want {
				t.Errorf("h2spec %s regressed: %d passed, baseline %d\n%s", c.name, passed, c.want, failuresOnly(out))
			}
			if passed > c.want {
				t.Logf("h2spec %s improved: raise testdata/h2spec-baseline.json to %d", c.name, passed)
			}
		})
	}
}

var h2specFailure = regexp.MustCompile(`(?m)^\s+×.*$`)

func failuresOnly(out []byte) string {
	var s string
	for _, m := range h2specFailure.FindAll(out, -1) {
		s += string(m) + "\n"
	}
	return s
}

// writeCert writes a self-signed certificate for 127.0.0.1 and localhost.
func writeCert(t *testing.T, dir string) gateway.CertFiles {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	f := gateway.CertFiles{Cert: filepath.Join(dir, "gw.crt"), Key: filepath.Join(dir, "gw.key")}
	if err := os.WriteFile(f.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.Key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
