package kubetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// KubeVersion is the Kubernetes release the harness runs, matching the
// client-go (v0.35.x) that Shoal is built with. scripts/kube-bins.sh
// builds the same version.
const KubeVersion = "v1.35.4"

// BinDir returns the directory holding the control plane binaries that
// scripts/kube-bins.sh builds (etcd, kube-apiserver, kube-controller-manager, kwok):
// $SHOAL_KUBE_BIN when set, else ${SHOAL_CACHE:-$HOME/.cache/shoal}/kube/KubeVersion.
// It checks that the named binaries are there; the error names the script to run.
func BinDir(names ...string) (string, error) {
	dir := os.Getenv("SHOAL_KUBE_BIN")
	if dir == "" {
		cache := os.Getenv("SHOAL_CACHE")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("kubetest: no $SHOAL_CACHE and no home directory (%w); run scripts/kube-bins.sh and set SHOAL_KUBE_BIN to its output", err)
			}
			cache = filepath.Join(home, ".cache", "shoal")
		}
		dir = filepath.Join(cache, "kube", KubeVersion)
	}
	var missing []error
	for _, b := range names {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			missing = append(missing, err)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("kubetest: the Kubernetes %s control plane binaries are missing; build them with scripts/kube-bins.sh (scripts/install-deps.sh runs it): %w",
			KubeVersion, errors.Join(missing...))
	}
	return dir, nil
}
