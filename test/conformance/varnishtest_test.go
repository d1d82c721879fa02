package conformance

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVarnishtest runs the byte-exact HTTP/1.1 scripts in vtc/ against
// `shoal proxy`. varnishtest comes with the varnish package
// (scripts/install-deps.sh installs it); without it the test is skipped.
func TestVarnishtest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs external processes")
	}
	vt, err := exec.LookPath("varnishtest")
	if err != nil {
		t.Skip("varnishtest not installed (apt-get install varnish)")
	}
	shoal := filepath.Join(t.TempDir(), "shoal")
	if out, err := exec.Command("go", "build", "-o", shoal, "../../cmd/shoal").CombinedOutput(); err != nil {
		t.Fatalf("building shoal: %v\n%s", err, out)
	}
	scripts, err := filepath.Glob("vtc/*.vtc")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, s := range scripts {
		t.Run(strings.TrimSuffix(filepath.Base(s), ".vtc"), func(t *testing.T) {
			t.Parallel()
			_, port, _ := net.SplitHostPort(freeAddr(t))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, vt, "-q", "-D", "shoal="+shoal, "-D", "gwport="+port, s).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", s, err, out)
			}
		})
	}
}
