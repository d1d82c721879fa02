package balancer

import (
	gobuild "go/build"
	"strings"
	"testing"
)

// TestRequestPathImports keeps the request-path packages free of the control
// side: balancer and upstream may not import config, registry, health or
// autoscale (a compile step hands them their own options instead).
func TestRequestPathImports(t *testing.T) {
	forbidden := []string{"/internal/config", "/internal/registry", "/internal/health", "/internal/autoscale"}
	for _, dir := range []string{".", "../upstream"} {
		pkg, err := gobuild.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("reading %s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, "github.com/") && !strings.HasPrefix(imp, "github.com/shoal-gw/shoal/internal/upstream") {
				t.Errorf("%s imports %s: only the standard library and internal/upstream are allowed", dir, imp)
			}
			for _, f := range forbidden {
				if strings.Contains(imp, f) {
					t.Errorf("%s imports control-side package %s", dir, imp)
				}
			}
		}
	}
}

func TestEmptyBuildsPickNil(t *testing.T) {
	for _, name := range Names() {
		f, err := New(Options{Policy: name})
		if err != nil {
			t.Fatal(err)
		}
		if e := f(nil).Pick(nil, nil); e != nil {
			t.Errorf("%s: empty balancer picked %s", name, e.Address())
		}
	}
}
