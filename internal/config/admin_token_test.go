package config

import (
	"os"
	"path/filepath"
	"testing"
)

// The rest of Shoal reads admin.token only, so a token_file must end up there.
func TestAdminTokenFileFillsToken(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("  from-the-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("shoal.yaml", []byte("admin: {address: 0.0.0.0:9901, token_file: "+file+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Static.Admin.Token; got != "from-the-secret" {
		t.Fatalf("admin.token %q, want the file's trimmed content", got)
	}
}

// A rotated Secret is a static change: the reload says so instead of
// silently keeping the old token.
func TestAdminTokenFileChangeIsStatic(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	load := func(token string) *Config {
		t.Helper()
		if err := os.WriteFile(file, []byte(token), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Parse("shoal.yaml", []byte("admin: {address: 0.0.0.0:9901, token_file: "+file+"}\n"))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	a, b := load("one"), load("two")
	if diff := StaticDiff(a, b); len(diff) != 1 || diff[0] != "admin.token" {
		t.Fatalf("StaticDiff after the file changed: %v, want [admin.token]", diff)
	}
}
