package gatewayapi

import (
	"context"
	"log/slog"
	"reflect"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// statusWriter keeps Shoal's entries in HTTPRoute status.parents.
type statusWriter struct {
	client dynamic.Interface
	log    *slog.Logger
}

// write makes the route's status say r (nil: the route is no longer
// attached, so Shoal's entries go). Entries of other controllers stay. It
// writes only when something other than a transition time changed, so the
// watch event of its own update ends in a no-op.
func (w statusWriter) write(ctx context.Context, u *unstructured.Unstructured, gw Gateway, r *Routed) {
	old, _, _ := unstructured.NestedSlice(u.Object, "status", "parents")
	var kept []any
	prev := map[string]map[string]any{} // condition type → our previous condition
	for _, p := range old {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if ctrl, _, _ := unstructured.NestedString(pm, "controllerName"); ctrl != ControllerName {
			kept = append(kept, p)
			continue
		}
		conds, _, _ := unstructured.NestedSlice(pm, "conditions")
		for _, c := range conds {
			if cm, ok := c.(map[string]any); ok {
				if t, _ := cm["type"].(string); t != "" {
					prev[t] = cm
				}
			}
		}
	}
	parents := kept
	if r != nil {
		refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
		for _, i := range r.Parents {
			if i >= len(refs) {
				continue
			}
			conds := []any{
				condition("Accepted", r.Accepted, u.GetGeneration(), prev),
				condition("ResolvedRefs", r.ResolvedRefs, u.GetGeneration(), prev),
			}
			parents = append(parents, map[string]any{"parentRef": refs[i], "controllerName": ControllerName, "conditions": conds})
		}
	}
	if reflect.DeepEqual(normalise(old), normalise(parents)) {
		return
	}
	obj := u.DeepCopy()
	if parents == nil {
		parents = []any{}
	}
	if err := unstructured.SetNestedSlice(obj.Object, parents, "status", "parents"); err != nil {
		w.log.Warn("gateway API: building route status", "route", u.GetNamespace()+"/"+u.GetName(), "err", err)
		return
	}
	_, err := w.client.Resource(HTTPRoutes).Namespace(u.GetNamespace()).UpdateStatus(ctx, obj, metav1.UpdateOptions{FieldManager: "shoal"})
	if err != nil {
		// A conflict means another writer (another gateway) was first;
		// its update is an event that brings this route round again.
		w.log.Info("gateway API: route status not written", "route", u.GetNamespace()+"/"+u.GetName(), "err", err)
	}
}

// condition builds a metav1.Condition as unstructured data, keeping the
// previous transition time when the status did not change.
func condition(typ string, c Condition, gen int64, prev map[string]map[string]any) map[string]any {
	status := "False"
	if c.OK {
		status = "True"
	}
	at := time.Now().UTC().Format(time.RFC3339)
	if p := prev[typ]; p != nil && p["status"] == status {
		if t, ok := p["lastTransitionTime"].(string); ok {
			at = t
		}
	}
	msg := c.Message
	if len(msg) > 32768 { // the API's limit for a condition message
		msg = msg[:32765] + "..."
	}
	return map[string]any{
		"type": typ, "status": status, "reason": c.Reason, "message": msg,
		"observedGeneration": gen, "lastTransitionTime": at,
	}
}

// normalise drops what the comparison should ignore: transition times,
// and the int64/float64 difference of numbers decoded from JSON.
func normalise(parents []any) []any {
	out := make([]any, 0, len(parents))
	for _, p := range parents {
		pm, ok := p.(map[string]any)
		if !ok {
			out = append(out, p)
			continue
		}
		cp := map[string]any{}
		for k, v := range pm {
			cp[k] = v
		}
		if conds, ok := pm["conditions"].([]any); ok {
			var cs []any
			for _, c := range conds {
				cm, ok := c.(map[string]any)
				if !ok {
					continue
				}
				n := map[string]any{}
				for k, v := range cm {
					switch k {
					case "lastTransitionTime":
					case "observedGeneration":
						n[k] = toInt64(v)
					default:
						n[k] = v
					}
				}
				cs = append(cs, n)
			}
			cp["conditions"] = cs
		}
		out = append(out, cp)
	}
	return out
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}
