package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubeletVolume writes files into dir the way the kubelet's atomic writer
// updates a ConfigMap volume, step for step: a new "..<timestamp>.<random>"
// directory with the payload, a "..data_tmp" symlink to it renamed over
// "..data", user-visible symlinks through "..data" created when missing,
// then the old timestamped directory removed.
type kubeletVolume struct {
	t   *testing.T
	dir string
}

func (v kubeletVolume) write(files map[string]string) {
	t := v.t
	old, _ := os.Readlink(filepath.Join(v.dir, "..data"))
	ts, err := os.MkdirTemp(v.dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for rel, body := range files {
		p := filepath.Join(ts, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmp := filepath.Join(v.dir, "..data_tmp")
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(v.dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for rel := range files {
		top, _, _ := strings.Cut(rel, "/")
		link := filepath.Join(v.dir, top)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", top), link); err != nil {
			t.Fatal(err)
		}
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(v.dir, old)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWatchFileFollowsConfigMapSwaps mounts a config the way the kubelet
// does, at the top of the volume and one directory down (a ConfigMap item
// with path: conf/shoal.yaml), and checks that every swap, not only the
// first, reaches onChange with the new content readable through the path.
func TestWatchFileFollowsConfigMapSwaps(t *testing.T) {
	for _, rel := range []string{"shoal.yaml", "conf/shoal.yaml"} {
		t.Run(rel, func(t *testing.T) {
			dir := t.TempDir()
			vol := kubeletVolume{t: t, dir: dir}
			vol.write(map[string]string{rel: "v1"})
			path := filepath.Join(dir, rel)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			changed := make(chan struct{}, 16)
			err := watchFile(ctx, path, 20*time.Millisecond, slog.New(slog.DiscardHandler), func() { changed <- struct{}{} })
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"v2", "v3", "v4"} {
				vol.write(map[string]string{rel: want})
				select {
				case <-changed:
				case <-time.After(5 * time.Second):
					t.Fatalf("no reload after the kubelet swapped in %s", want)
				}
				got, err := os.ReadFile(path)
				if err != nil || string(got) != want {
					t.Fatalf("after the swap %s reads %q, %v; want %q", path, got, err, want)
				}
			}
		})
	}
}

// TestWatchFileIgnoresOtherFiles keeps the debounce honest: writing a
// neighbour of the config is not a change of the config.
func TestWatchFileIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shoal.yaml")
	if err := os.WriteFile(path, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := make(chan struct{}, 16)
	if err := watchFile(ctx, path, 20*time.Millisecond, slog.New(slog.DiscardHandler), func() { changed <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("c"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no reload after the config itself was written")
	}
	select {
	case <-changed:
		t.Fatal("a second reload for one write of the config and one of a neighbour")
	case <-time.After(300 * time.Millisecond):
	}
}
