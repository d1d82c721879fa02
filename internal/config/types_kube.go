package config

// Kubernetes turns on Kubernetes mode: services may find their instances in
// EndpointSlices and scale a workload through its scale subresource, several
// gateways elect one autoscaler with a Lease, and Gateway API routes may be
// read. Absent: Shoal does not talk to an API server. docs/kubernetes.md has
// the details.
type Kubernetes struct {
	// Path of a kubeconfig file. Empty: the in-cluster service account
	// (the pod's token and the KUBERNETES_SERVICE_HOST environment).
	Kubeconfig string `yaml:"kubeconfig"`
	// Namespace of the Kubernetes objects a service does not place itself
	// (its kubernetes.namespace), and of the Lease, peers and Gateway when
	// those leave theirs empty.
	Namespace string `yaml:"namespace" default:"default"`
	// The Lease that elects the one gateway running the autoscaler.
	LeaderElection LeaderElection `yaml:"leader_election"`
	// How the elected gateway finds the others to read their request signals.
	Peers KubePeers `yaml:"peers"`
	// Where the autoscaler's learned history lives: configmap (a ConfigMap
	// next to the Lease, so a new leader keeps it) or state_dir (this
	// gateway's disk, as outside Kubernetes).
	History string `yaml:"history" default:"configmap" enum:"configmap,state_dir"`
	// Kubernetes Gateway API as a second source of routes. Optional.
	GatewayAPI GatewayAPI `yaml:"gateway_api"`
	// Name of the node this gateway runs on, which services with
	// node_local route to. Empty: the NODE_NAME environment variable, which
	// the shipped manifests fill from the pod's spec.nodeName.
	NodeName string `yaml:"node_name"`

	Pos Pos `yaml:"-"`
}

// LeaderElection configures the coordination.k8s.io Lease that several
// gateways compete for. The timings follow client-go's leader election.
type LeaderElection struct {
	// Name of the Lease object.
	Lease string `yaml:"lease" default:"shoal-autoscaler"`
	// Namespace of the Lease. Empty: kubernetes.namespace.
	Namespace string `yaml:"namespace"`
	// How long a Lease stays held without renewal; a new leader takes
	// over at most this long after the old one is gone.
	LeaseDuration Duration `yaml:"lease_duration" default:"15s"`
	// How long the leader keeps trying to renew before it steps down.
	// Shorter than lease_duration.
	RenewDeadline Duration `yaml:"renew_deadline" default:"10s"`
	// Time between two tries to acquire or renew the Lease.
	RetryPeriod Duration `yaml:"retry_period" default:"2s"`

	Pos Pos `yaml:"-"`
}

// KubePeers names the Kubernetes Service in front of the gateways
// themselves; its EndpointSlices list every gateway's admin port.
type KubePeers struct {
	// Service of the gateways, in kubernetes.namespace. Empty: a single
	// gateway, which reads only its own signals.
	Service string `yaml:"service"`
	// Port of that Service that reaches the admin API: a port name or
	// number.
	Port string `yaml:"port" default:"admin" number:"ok"`

	Pos Pos `yaml:"-"`
}

// GatewayAPI reads HTTPRoutes whose parentRefs name one Gateway.
type GatewayAPI struct {
	// Name of the Gateway object the routes attach to. Empty: Gateway API
	// routes are off.
	Gateway string `yaml:"gateway"`
	// Namespace of that Gateway. Empty: kubernetes.namespace.
	Namespace string `yaml:"namespace"`

	Pos Pos `yaml:"-"`
}

// ServiceKubernetes finds a service's instances in the EndpointSlices of a
// Kubernetes Service, honouring their ready, serving and terminating
// conditions, and names the workload that scale: resizes.
type ServiceKubernetes struct {
	// Name of the Kubernetes Service. Default: the Shoal service name.
	Service string `yaml:"service"`
	// Namespace of that Service. Default: kubernetes.namespace.
	Namespace string `yaml:"namespace"`
	// Port to send traffic to: a port name or number of the
	// EndpointSlices (the pod's port, as the slices list it).
	// Empty: the slices' only port (an error if they list several).
	Port string `yaml:"port" number:"ok"`
	// Object to scale through its scale subresource: deployment/NAME,
	// statefulset/NAME, replicaset/NAME, or RESOURCE.GROUP/NAME for any
	// other resource that implements scale. Required with scale.
	Workload string `yaml:"workload"`
	// Scale the workload even when a HorizontalPodAutoscaler targets it.
	// Without it Shoal refuses, so two autoscalers never fight.
	TakeOver bool `yaml:"take_over"`
	// Route only to endpoints on the gateway's own node (kubernetes.node_name),
	// as a Service with internalTrafficPolicy: Local does. With no usable
	// endpoint on this node the service has no instances; endpoints that
	// report no node are left out.
	NodeLocal bool `yaml:"node_local"`

	Pos Pos `yaml:"-"`
}
