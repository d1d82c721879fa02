package kube

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// HPAConflictError is returned by Scale when a HorizontalPodAutoscaler
// already scales the workload: two autoscalers on one target would undo
// each other's changes.
type HPAConflictError struct {
	Service   string
	Workload  string
	Namespace string
	HPA       string
}

func (e *HPAConflictError) Error() string {
	return fmt.Sprintf("refusing to scale %s in namespace %s for service %s: HorizontalPodAutoscaler %q already scales it; "+
		"delete the HPA, or set services.%s.kubernetes.take_over: true to let Shoal scale it anyway",
		e.Workload, e.Namespace, e.Service, e.HPA, e.Service)
}

// findHPA returns the name of an autoscaling/v2 HorizontalPodAutoscaler in
// ns whose scaleTargetRef is w, or "".
func (s *Scaler) findHPA(ctx context.Context, ns string, w workload) (string, error) {
	list, err := s.opts.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("listing HorizontalPodAutoscalers in %s: %w", ns, err)
	}
	for _, h := range list.Items {
		ref := h.Spec.ScaleTargetRef
		if ref.Name != w.name || !strings.EqualFold(ref.Kind, w.kind) {
			continue
		}
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err != nil || gv.Group != w.gvr.Group {
			continue
		}
		return h.Name, nil
	}
	return "", nil
}
