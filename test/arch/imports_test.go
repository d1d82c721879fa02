// Package arch checks the import direction of DESIGN.md: the request-path
// packages never reach into the control side.
package arch

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/shoal-gw/shoal/internal/"

func TestRequestPathDoesNotImportControlSide(t *testing.T) {
	requestPath := []string{"routing", "middleware/...", "balancer", "upstream", "proxy", "activator"}
	forbidden := []string{"config", "registry", "health", "autoscale", "runtime", "app", "admin", "gateway", "sim"}
	args := []string{"list", "-deps"}
	for _, p := range requestPath {
		args = append(args, mod+p)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list returned too little to be a real dependency list: %v", deps)
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if dep == mod+f || strings.HasPrefix(dep, mod+f+"/") {
				t.Errorf("a request-path package imports %s", dep)
			}
		}
	}
}

func TestPoliciesArePure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", mod+"autoscale").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, mod) && dep != mod+"autoscale" {
			t.Errorf("autoscale imports %s; policies must stay pure code", dep)
		}
		if dep == "net/http" || dep == "os/exec" {
			t.Errorf("autoscale imports %s; policies must not do I/O", dep)
		}
	}
}
