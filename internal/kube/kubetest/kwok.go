package kubetest

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KwokNode is the fake node kwok runs pods on. No scheduler runs, so a
// pod (or a Deployment's template) sets spec.nodeName to it.
const KwokNode = "kubetest-node"

// kwokStages moves the node and its pods through their lifecycle; see
// the file for what each stage does.
//
//go:embed kwok-stages.yaml
var kwokStages string

// Kwok's pod IPs come from kwokPodCIDR; the node has kwokNodeIP. Neither
// is routable here: they make pods look real to the controllers.
const (
	kwokPodCIDR = "10.244.0.0/16"
	kwokNodeIP  = "10.243.0.1"
)

// WithKwok also runs kwok as the kubelet of one fake node (KwokNode), so
// pods bound to it become Running and Ready with a pod IP, Deployments
// report ready replicas, and the endpointslice controller lists the pods
// of a Service. Implies WithControllerManager.
func WithKwok() Option {
	return func(o *options) {
		o.controllerManager = true
		o.kwok = true
	}
}

func (c *Cluster) startKwok(bins string) error {
	stages := filepath.Join(c.Dir, "kwok-stages.yaml")
	if err := os.WriteFile(stages, []byte(kwokStages), 0o600); err != nil {
		return fmt.Errorf("kubetest: writing kwok stages: %w", err)
	}
	p, _, err := c.startListening("kwok", filepath.Join(bins, "kwok"), 1, 30*time.Second, func(ports []int) ([]string, error) {
		return []string{
			"--kubeconfig=" + c.Kubeconfig,
			"--config=" + stages,
			"--manage-single-node=" + KwokNode,
			"--cidr=" + kwokPodCIDR,
			"--node-ip=" + kwokNodeIP,
			"--server-address=127.0.0.1:" + strconv.Itoa(ports[0]),
		}, nil
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   KwokNode,
		Labels: map[string]string{corev1.LabelHostname: KwokNode, "type": "kwok"},
	}}
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kubetest: creating the kwok node: %w", err)
	}
	return waitReady(p, 30*time.Second, func() bool {
		n, err := c.Client.CoreV1().Nodes().Get(ctx, KwokNode, metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	})
}
