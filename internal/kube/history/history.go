// Package history keeps the autoscaler's learned state in ConfigMaps, so
// that when the leading gateway goes away the next leader continues from
// what it had learned (a daily and weekly demand profile takes days to
// learn, the leadership moves in seconds).
//
// Each autoscaled service gets one ConfigMap named after the Lease of the
// gateway deployment and the service (shoal-autoscaler-history-api),
// labelled with both, holding the snapshot gzip-compressed under
// binaryData["snapshot.json.gz"]: a service's profile is a few hundred
// kilobytes of JSON, and one ConfigMap per service keeps each far below the
// 1 MiB object limit however many services there are.
package history

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Labels put on every history ConfigMap.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelLease     = "shoal.dev/lease"
	LabelService   = "shoal.dev/service"
	dataKey        = "snapshot.json.gz"
	// maxDecoded bounds a decompressed snapshot, against a corrupt or
	// hostile object.
	maxDecoded = 64 << 20
)

// Store implements autoscaler.SnapshotStore with ConfigMaps.
type Store struct {
	client    kubernetes.Interface
	namespace string
	prefix    string
	lease     string
	timeout   time.Duration
}

// New returns a store for the gateway deployment whose Lease is
// namespace/lease.
func New(client kubernetes.Interface, namespace, lease string) *Store {
	return &Store{client: client, namespace: namespace, lease: lease, prefix: lease + "-history-", timeout: 10 * time.Second}
}

// Name is the ConfigMap of a service: prefix + the service name when it is
// a valid object name, else a readable part and a hash.
func (s *Store) Name(service string) string {
	name := s.prefix + service
	if valid(name) {
		return name
	}
	sum := sha256.Sum256([]byte(service))
	clean := strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, service), "-")
	// Kept to one 63-character label: the hash makes it unique anyway.
	room := max(63-len(s.prefix)-17, 0)
	if len(clean) > room {
		clean = clean[:room]
	}
	return strings.TrimSuffix(s.prefix+clean, "-") + "-" + hex.EncodeToString(sum[:8])
}

// Where names the ConfigMap, for logs.
func (s *Store) Where(service string) string {
	return "configmap " + s.namespace + "/" + s.Name(service)
}

// Load reads and decompresses the service's snapshot.
func (s *Store) Load(service string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	cm, err := s.client.CoreV1().ConfigMaps(s.namespace).Get(ctx, s.Name(service), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", s.Where(service), err)
	}
	raw, ok := cm.BinaryData[dataKey]
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

// Save compresses data into the service's ConfigMap, creating it the first
// time and replacing it after that.
func (s *Store) Save(service string, data []byte) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	cms := s.client.CoreV1().ConfigMaps(s.namespace)
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name:      s.Name(service),
			Namespace: s.namespace,
			Labels:    map[string]string{LabelManagedBy: "shoal", LabelLease: s.lease, LabelService: labelValue(service)},
		},
		BinaryData: map[string][]byte{dataKey: buf.Bytes()},
	}
	// Update without a resourceVersion replaces unconditionally: only the
	// leader writes, and its newest state is the one to keep.
	_, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "shoal"})
	if apierrors.IsNotFound(err) {
		_, err = cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "shoal"})
		if apierrors.IsAlreadyExists(err) {
			_, err = cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "shoal"})
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.Where(service), err)
	}
	return nil
}

// valid reports whether name is an RFC 1123 subdomain.
func valid(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// labelValue makes a label value of a service name (at most 63 of
// [A-Za-z0-9-_.], alphanumeric at both ends).
func labelValue(service string) string {
	v := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, service)
	if len(v) > 63 {
		v = v[:63]
	}
	return strings.Trim(v, "-_.")
}
