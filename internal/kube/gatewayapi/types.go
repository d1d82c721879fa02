// Package gatewayapi reads Kubernetes Gateway API HTTPRoutes attached to
// Shoal's Gateway and turns them into Shoal routes and services, merged
// with the config file's through the normal validate, compile and swap
// path, and reports on each route in its status (Accepted, ResolvedRefs).
//
// It works on unstructured objects through the dynamic client, so the
// Gateway API Go module is not a dependency: the few fields Shoal reads are
// mirrored below, with the API's JSON names.
package gatewayapi

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group is the Gateway API's API group.
const Group = "gateway.networking.k8s.io"

// The resources read, at the v1 (standard channel) version.
var (
	HTTPRoutes = schema.GroupVersionResource{Group: Group, Version: "v1", Resource: "httproutes"}
	Gateways   = schema.GroupVersionResource{Group: Group, Version: "v1", Resource: "gateways"}
)

// ControllerName is written in the status entries Shoal owns.
const ControllerName = "github.com/shoal-gw/shoal"

// Route is one HTTPRoute, the parts Shoal reads.
type Route struct {
	Namespace  string
	Name       string
	Generation int64
	Created    time.Time
	Spec       RouteSpec
}

// Key is "namespace/name".
func (r *Route) Key() string { return r.Namespace + "/" + r.Name }

// RouteSpec mirrors HTTPRouteSpec.
type RouteSpec struct {
	ParentRefs []ParentRef `json:"parentRefs,omitempty"`
	Hostnames  []string    `json:"hostnames,omitempty"`
	Rules      []Rule      `json:"rules,omitempty"`
}

// ParentRef mirrors ParentReference.
type ParentRef struct {
	Group       *string `json:"group,omitempty"`
	Kind        *string `json:"kind,omitempty"`
	Namespace   *string `json:"namespace,omitempty"`
	Name        string  `json:"name"`
	SectionName *string `json:"sectionName,omitempty"`
	Port        *int32  `json:"port,omitempty"`
}

// Rule mirrors HTTPRouteRule.
type Rule struct {
	Name        *string      `json:"name,omitempty"`
	Matches     []Match      `json:"matches,omitempty"`
	Filters     []Filter     `json:"filters,omitempty"`
	BackendRefs []BackendRef `json:"backendRefs,omitempty"`
	Timeouts    *Timeouts    `json:"timeouts,omitempty"`
}

// Match mirrors HTTPRouteMatch.
type Match struct {
	Path        *PathMatch    `json:"path,omitempty"`
	Headers     []HeaderMatch `json:"headers,omitempty"`
	QueryParams []HeaderMatch `json:"queryParams,omitempty"`
	Method      *string       `json:"method,omitempty"`
}

// PathMatch mirrors HTTPPathMatch; Type defaults to PathPrefix and Value to "/".
type PathMatch struct {
	Type  *string `json:"type,omitempty"`
	Value *string `json:"value,omitempty"`
}

// HeaderMatch mirrors HTTPHeaderMatch (and HTTPQueryParamMatch, which has
// the same fields); Type defaults to Exact.
type HeaderMatch struct {
	Type  *string `json:"type,omitempty"`
	Name  string  `json:"name"`
	Value string  `json:"value"`
}

// Filter mirrors HTTPRouteFilter.
type Filter struct {
	Type                   string          `json:"type"`
	RequestHeaderModifier  *HeaderModifier `json:"requestHeaderModifier,omitempty"`
	ResponseHeaderModifier *HeaderModifier `json:"responseHeaderModifier,omitempty"`
	RequestRedirect        *Redirect       `json:"requestRedirect,omitempty"`
	URLRewrite             *URLRewrite     `json:"urlRewrite,omitempty"`
}

// HeaderModifier mirrors HTTPHeaderFilter.
type HeaderModifier struct {
	Set    []Header `json:"set,omitempty"`
	Add    []Header `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// Header mirrors HTTPHeader.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Redirect mirrors HTTPRequestRedirectFilter.
type Redirect struct {
	Scheme     *string       `json:"scheme,omitempty"`
	Hostname   *string       `json:"hostname,omitempty"`
	Path       *PathModifier `json:"path,omitempty"`
	Port       *int32        `json:"port,omitempty"`
	StatusCode *int          `json:"statusCode,omitempty"`
}

// URLRewrite mirrors HTTPURLRewriteFilter.
type URLRewrite struct {
	Hostname *string       `json:"hostname,omitempty"`
	Path     *PathModifier `json:"path,omitempty"`
}

// PathModifier mirrors HTTPPathModifier.
type PathModifier struct {
	Type               string  `json:"type"`
	ReplaceFullPath    *string `json:"replaceFullPath,omitempty"`
	ReplacePrefixMatch *string `json:"replacePrefixMatch,omitempty"`
}

// BackendRef mirrors HTTPBackendRef.
type BackendRef struct {
	Group     *string  `json:"group,omitempty"`
	Kind      *string  `json:"kind,omitempty"`
	Name      string   `json:"name"`
	Namespace *string  `json:"namespace,omitempty"`
	Port      *int32   `json:"port,omitempty"`
	Weight    *int32   `json:"weight,omitempty"`
	Filters   []Filter `json:"filters,omitempty"`
}

// Timeouts mirrors HTTPRouteTimeouts (Gateway API durations: "10s", "1m").
type Timeouts struct {
	Request        *string `json:"request,omitempty"`
	BackendRequest *string `json:"backendRequest,omitempty"`
}

// Gateway is the Gateway named in the config, the parts Shoal reads.
type Gateway struct {
	Namespace string
	Name      string
	// Found is false while the Gateway does not exist.
	Found bool
	// AllowAll: some listener admits routes from every namespace
	// (allowedRoutes.namespaces.from: All). Otherwise only the Gateway's
	// namespace may attach (the API's default, Same).
	AllowAll bool
}

// RouteFromUnstructured decodes an HTTPRoute.
func RouteFromUnstructured(u *unstructured.Unstructured) (*Route, error) {
	r := &Route{Namespace: u.GetNamespace(), Name: u.GetName(), Generation: u.GetGeneration(), Created: u.GetCreationTimestamp().Time}
	spec, _, err := unstructured.NestedMap(u.Object, "spec")
	if err != nil {
		return nil, fmt.Errorf("HTTPRoute %s: spec: %w", r.Key(), err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(spec, &r.Spec); err != nil {
		return nil, fmt.Errorf("HTTPRoute %s: decoding spec: %w", r.Key(), err)
	}
	return r, nil
}

// GatewayFromUnstructured decodes the parts of a Gateway Shoal reads.
func GatewayFromUnstructured(u *unstructured.Unstructured) Gateway {
	g := Gateway{Namespace: u.GetNamespace(), Name: u.GetName(), Found: true}
	listeners, _, _ := unstructured.NestedSlice(u.Object, "spec", "listeners")
	for _, l := range listeners {
		lm, ok := l.(map[string]any)
		if !ok {
			continue
		}
		if from, _, _ := unstructured.NestedString(lm, "allowedRoutes", "namespaces", "from"); from == "All" {
			g.AllowAll = true
		}
	}
	return g
}
