package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.bad.yaml.errors from the current output")

// TestGoodFiles loads every testdata/*.good.yaml; each must be valid.
func TestGoodFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) < 3 {
		t.Fatalf("found only %d good files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(f); err != nil {
				t.Fatalf("want valid, got:\n%v", err)
			}
		})
	}
}

// TestBadFiles checks that every testdata/*.bad.yaml fails with exactly the
// errors listed in its sibling .errors file, one per line, in order.
func TestBadFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) < 12 {
		t.Fatalf("found only %d bad files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(filepath.Base(f), data)
			if err == nil {
				t.Fatalf("want errors, got a config: %+v", cfg)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			got := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(f+".errors", []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(f + ".errors")
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("errors differ\n--- got:\n%s--- want:\n%s", got, want)
			}
			if n := strings.Count(got, "\n"); n != len(list) {
				t.Errorf("Error() has %d lines for %d errors", n, len(list))
			}
		})
	}
}
