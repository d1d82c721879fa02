package main

import (
	"context"
	"path/filepath"
	"testing"
)

// A server that lost its port to another program is started again on
// another port; one that failed for another reason is not.
func TestStartOnFreePortRetriesOnlyALostPort(t *testing.T) {
	for _, c := range []struct {
		name, stderr string
		want         int
	}{
		{"port taken", "listen tcp: bind: Address already in use", 5},
		{"other failure", "no such config file", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			logPath := filepath.Join(t.TempDir(), "server.log")
			var tries int
			var listens []string
			_, _, err := startOnFreePort(context.Background(), "fake", "", logPath, 1, func(listen string) ([]string, error) {
				tries++
				listens = append(listens, listen)
				return []string{"sh", "-c", "echo '" + c.stderr + "' >&2; exit 1"}, nil
			})
			if err == nil {
				t.Fatal("a server that exits at once was reported started")
			}
			if tries != c.want {
				t.Fatalf("%d attempts, want %d (%v)", tries, c.want, err)
			}
			if c.want > 1 && listens[0] == listens[len(listens)-1] && listens[0] == listens[1] {
				t.Fatalf("every attempt used the same address %s", listens[0])
			}
		})
	}
}
