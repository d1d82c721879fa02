// Package history keeps the autoscaler's learned state in a ConfigMap, so
// that when the leading gateway goes away the next leader continues from
// what it had learned (a daily and weekly demand profile takes days to
// learn, the leadership moves in seconds).
//
// A gateway deployment has one ConfigMap, named after its Lease
// (shoal-autoscaler-history), next to the Lease: one name that RBAC can
// grant by resourceNames. Each autoscaled service is one key of its
// binaryData, the snapshot gzip-compressed (api.json.gz). A week-old
// profile is about 85 kB compressed, so one ConfigMap holds about ten
// services before the 1 MiB object limit; past it Save says so and the
// other services keep theirs.
package history

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Labels put on the history ConfigMap.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelLease     = "shoal.dev/lease"
)

const (
	keySuffix = ".json.gz"
	// maxDecoded bounds a decompressed snapshot, against a corrupt or
	// hostile object.
	maxDecoded = 64 << 20
	// maxObject is what the ConfigMap's data may add up to: the API
	// server's 1 MiB limit less room for metadata.
	maxObject = 1<<20 - 16<<10
	// saveRetries bounds the re-reads after a write conflict (the old
	// leader's last save racing the new leader's first, or several
	// services' saves at once). Each retry waits a random while that grows
	// with the attempt, so contending writers spread out instead of
	// colliding again in lockstep.
	saveRetries = 12
)

// Store implements autoscaler.SnapshotStore with one ConfigMap.
type Store struct {
	client    kubernetes.Interface
	namespace string
	name      string
	lease     string
	timeout   time.Duration
	// limit is maxObject; tests lower it.
	limit int
}

// New returns the store of the gateway deployment whose Lease is
// namespace/lease: ConfigMap namespace/<lease>-history.
func New(client kubernetes.Interface, namespace, lease string) *Store {
	return &Store{client: client, namespace: namespace, lease: lease, name: lease + "-history", timeout: 10 * time.Second, limit: maxObject}
}

// Name is the ConfigMap's name.
func (s *Store) Name() string { return s.name }

// Key is the binaryData key of a service: its name when ConfigMap keys
// allow it, else a cleaned name and a hash.
func Key(service string) string {
	if validKey(service) && len(service)+len(keySuffix) <= 253 {
		return service + keySuffix
	}
	sum := sha256.Sum256([]byte(service))
	clean := strings.Map(func(r rune) rune {
		if keyRune(r) {
			return r
		}
		return '_'
	}, service)
	if len(clean) > 200 {
		clean = clean[:200]
	}
	return clean + "-" + hex.EncodeToString(sum[:8]) + keySuffix
}

// Where names the ConfigMap and key, for logs.
func (s *Store) Where(service string) string {
	return "configmap " + s.namespace + "/" + s.name + " key " + Key(service)
}

// Load reads and decompresses the service's snapshot.
func (s *Store) Load(service string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	cm, err := s.client.CoreV1().ConfigMaps(s.namespace).Get(ctx, s.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", s.Where(service), err)
	}
	raw, ok := cm.BinaryData[Key(service)]
	if !ok {
		return nil, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, false, fmt.Errorf("decompressing %s: %w", s.Where(service), err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxDecoded))
	if err != nil {
		return nil, false, fmt.Errorf("decompressing %s: %w", s.Where(service), err)
	}
	return data, true, nil
}

// Save compresses data into the service's key, creating the ConfigMap the
// first time. Other keys are kept; a write that lost a race is retried on
// the fresh object.
func (s *Store) Save(service string, data []byte) error {
	packed, err := compress(data)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	cms := s.client.CoreV1().ConfigMaps(s.namespace)
	key := Key(service)
	for try := 0; ; try++ {
		cm, err := cms.Get(ctx, s.name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.namespace}}
		case err != nil:
			return fmt.Errorf("reading %s: %w", s.Where(service), err)
		}
		if cm.BinaryData == nil {
			cm.BinaryData = map[string][]byte{}
		}
		cm.BinaryData[key] = packed
		if size := dataSize(cm); size > s.limit {
			return fmt.Errorf("saving %s: the ConfigMap would hold %d bytes, over the %d the API server takes; "+
				"use kubernetes.history: state_dir, or fewer autoscaled services per gateway deployment", s.Where(service), size, s.limit)
		}
		if cm.Labels == nil {
			cm.Labels = map[string]string{}
		}
		cm.Labels[LabelManagedBy], cm.Labels[LabelLease] = "shoal", s.lease
		if cm.ResourceVersion == "" {
			_, err = cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "shoal"})
		} else {
			_, err = cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "shoal"})
		}
		if (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) && try < saveRetries {
			if werr := conflictWait(ctx, try); werr != nil {
				return fmt.Errorf("writing %s: %w (after %d conflicts)", s.Where(service), err, try+1)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", s.Where(service), err)
		}
		return nil
	}
}

func compress(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("compressing: %w", err)
	}
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("compressing: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing: %w", err)
	}
	return buf.Bytes(), nil
}

// dataSize is what a ConfigMap's data and binaryData add up to, keys
// included (binaryData travels base64-encoded, a third larger).
func dataSize(cm *corev1.ConfigMap) int {
	n := 0
	for k, v := range cm.Data {
		n += len(k) + len(v)
	}
	for k, v := range cm.BinaryData {
		n += len(k) + (len(v)+2)/3*4
	}
	return n
}

// validKey reports whether s is a ConfigMap key: [-._a-zA-Z0-9]+.
func validKey(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !keyRune(r) {
			return false
		}
	}
	return true
}

func keyRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}

// conflictWait sleeps a random time up to 5 ms << try (at most 200 ms)
// before the next attempt, or returns ctx's error.
func conflictWait(ctx context.Context, try int) error {
	ceiling := min(5*time.Millisecond<<try, 200*time.Millisecond)
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
