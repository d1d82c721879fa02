package routing

import (
	"os/exec"
	"strings"
	"testing"
)

// The request-path packages get their options from the gateway's compile step;
// they must never reach into the control side (DESIGN.md, import direction).
func TestNoControlPlaneImports(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	const mod = "github.com/shoal-gw/shoal/internal/"
	pkgs := []string{"routing", "middleware/headers", "middleware/rewrite", "middleware/redirect", "middleware/direct"}
	args := []string{"list", "-deps"}
	for _, p := range pkgs {
		args = append(args, mod+p)
	}
	out, err := exec.Command(goTool, args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{"config", "registry", "health", "autoscale"}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == mod+f || strings.HasPrefix(dep, mod+f+"/") {
				t.Errorf("request-path packages import %s", dep)
			}
		}
	}
}
