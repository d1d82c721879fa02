package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSelectProxies(t *testing.T) {
	all, err := selectProxies("all")
	if err != nil || len(all) != 4 || all[0].name != "shoal" {
		t.Fatalf("all = %v, %v", all, err)
	}
	two, err := selectProxies("nginx, shoal")
	if err != nil || len(two) != 2 || two[0].name != "nginx" || two[1].name != "shoal" {
		t.Fatalf("subset = %v, %v", two, err)
	}
	if _, err := selectProxies("envoy"); err == nil || !strings.Contains(err.Error(), "known: shoal") {
		t.Fatalf("unknown proxy error = %v", err)
	}
}

func TestShoalCommandUsesContractFlags(t *testing.T) {
	argv, err := allProxies()[0].command(binaries{shoal: "/x/shoal"}, t.TempDir(), "127.0.0.1:1", "127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/x/shoal", "proxy", "--quiet", "--listen", "127.0.0.1:1", "--to", "http://127.0.0.1:2"}
	if !slices.Equal(argv, want) {
		t.Fatalf("argv = %q, want %q", argv, want)
	}
	if _, err := allProxies()[0].command(binaries{}, t.TempDir(), "a", "b"); err == nil {
		t.Fatal("want an error when shoal was not built")
	}
}

// The generated configs must be accepted by the real programs; skipped where the
// packages are not installed (scripts/install-deps.sh installs them).
func TestNginxConfigIsValid(t *testing.T) {
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx not installed")
	}
	dir := t.TempDir()
	argv, err := allProxies()[2].command(binaries{}, dir, "127.0.0.1:18999", "127.0.0.1:18998")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(argv[0], append([]string{"-t"}, argv[1:]...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

func TestHaproxyConfigIsValid(t *testing.T) {
	if _, err := exec.LookPath("haproxy"); err != nil {
		t.Skip("haproxy not installed")
	}
	dir := t.TempDir()
	argv, err := allProxies()[3].command(binaries{}, dir, "127.0.0.1:18999", "127.0.0.1:18998")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("haproxy", "-c", "-f", argv[3]).CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
}

func TestNginxOriginConfigIsValid(t *testing.T) {
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx not installed")
	}
	dir := t.TempDir()
	conf := nginxOriginConfig(dir, "127.0.0.1:18997", 1024)
	if !strings.Contains(conf, `return 200 "`+strings.Repeat("x", 1024)+`";`) {
		t.Fatal("origin config does not return a 1024-byte body")
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("nginx", "-t", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}
