package kubetest

import "strings"

// Option changes what Start runs.
type Option func(*options)

type options struct {
	controllerManager bool
	kwok              bool
	controllers       string
	apiserverFlags    []string
	pickPorts         func(name string, n int) ([]int, error) // nil: freeport.Ports
}

// WithControllerManager also runs kube-controller-manager, so Deployments
// get ReplicaSets and Pods, Services get EndpointSlices from their Pods,
// and deleted namespaces are emptied. It runs the controllers a gateway
// test needs (deployment, replicaset, statefulset, endpointslice,
// namespace, garbage collector, service account); the HPA controller is
// left out so only the test decides a workload's replicas.
func WithControllerManager() Option {
	return func(o *options) { o.controllerManager = true }
}

// WithControllers replaces the controller-manager's --controllers list
// (implies WithControllerManager).
func WithControllers(list ...string) Option {
	return func(o *options) {
		o.controllerManager = true
		o.controllers = strings.Join(list, ",")
	}
}

// WithAPIServerFlags adds flags to kube-apiserver ("--feature-gates=...").
func WithAPIServerFlags(flags ...string) Option {
	return func(o *options) { o.apiserverFlags = append(o.apiserverFlags, flags...) }
}

// defaultControllers are the controller-manager's controllers unless
// WithControllers says otherwise.
const defaultControllers = "deployment-controller,replicaset-controller,statefulset-controller," +
	"endpointslice-controller,namespace-controller,garbage-collector-controller,serviceaccount-controller"
