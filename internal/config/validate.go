package config

import (
	"fmt"
	"strings"
)

// validator checks a decoded, defaulted Config and reports every problem.
type validator struct {
	*reporter
	cfg *Config
}

func (v *validator) all() {
	v.static(&v.cfg.Static)
	for _, name := range sortedServiceNames(v.cfg.Dynamic.Services) {
		v.service(v.cfg.Dynamic.Services[name])
	}
	v.routes(v.cfg.Dynamic.Routes)
	v.policyStores(&v.cfg.Dynamic)
}

func (v *validator) static(s *Static) {
	seen := make(map[string]int)
	for i, a := range s.Listen {
		key := fmt.Sprintf("listen[%d]", i)
		if err := checkAddress(a); err != nil {
			v.errorf(s.Pos.Of(key), "%s: %v", key, err)
			continue
		}
		if first, dup := seen[a]; dup {
			v.errorf(s.Pos.Of(key), "%s: %q is already listed (line %d)", key, a, first)
		}
		seen[a] = s.Pos.Of(key)
	}
	// A non-nil empty list is an explicit "listen: []"; nil after the key
	// was written means its decoding already failed and was reported.
	if s.Listen != nil && len(s.Listen) == 0 {
		v.errorf(s.Pos.Of("listen"), "listen: at least one address is needed")
	}
	ad := &s.Admin
	if err := checkAddress(ad.Address); err != nil {
		v.errorf(ad.Pos.Of("address"), "admin.address: %v", err)
	} else if !isLoopback(ad.Address) && ad.Token == "" && ad.TokenFile == "" {
		// A token_file that could not be read was reported already.
		v.errorf(ad.Pos.Of("address"), "admin.address: %q accepts non-local clients, so admin.token or admin.token_file is required (or use a loopback address such as 127.0.0.1:9901)", ad.Address)
	}
	if line, clash := seen[ad.Address]; clash && !strings.HasSuffix(ad.Address, ":0") {
		v.errorf(ad.Pos.Of("address"), "admin.address: %q is also a listen address (line %d)", ad.Address, line)
	}
	if strings.TrimSpace(s.StateDir) == "" {
		v.errorf(s.Pos.Of("state_dir"), "state_dir: must not be empty")
	}
	if strings.TrimSpace(s.AccessLog.Path) == "" {
		v.errorf(s.AccessLog.Pos.Of("path"), "access_log.path: must not be empty (use \"-\" for standard output)")
	}
	r := &s.Registry
	if r.Backend == "etcd" && len(r.Endpoints) == 0 {
		v.errorf(r.Pos.Of("backend"), "registry: the etcd backend needs endpoints (such as [http://127.0.0.1:2379])")
	}
	if r.Backend != "etcd" && r.Pos.Has("endpoints") {
		v.errorf(r.Pos.Of("endpoints"), "registry.endpoints: only the etcd backend uses endpoints")
	}
	for i, e := range r.Endpoints {
		if err := checkEndpointURL(e); err != nil {
			v.errorf(r.Pos.Of(fmt.Sprintf("endpoints[%d]", i)), "registry.endpoints[%d]: %v", i, err)
		}
	}
	if r.DialTimeout <= 0 {
		v.errorf(r.Pos.Of("dial_timeout"), "registry.dial_timeout: must be positive")
	}
	tr := &s.Tracing
	if tr.Endpoint != "" {
		if err := checkAddress(tr.Endpoint); err != nil {
			v.errorf(tr.Pos.Of("endpoint"), "tracing.endpoint: %v", err)
		}
	}
	if tr.SampleRatio < 0 || tr.SampleRatio > 1 {
		v.errorf(tr.Pos.Of("sample_ratio"), "tracing.sample_ratio: %g is outside 0 to 1", tr.SampleRatio)
	}
	if tr.Keep < 0 {
		v.errorf(tr.Pos.Of("keep"), "tracing.keep: %d is negative (0 keeps no traces)", tr.Keep)
	}
	v.listenerTLS(s)
	if s.Kubernetes != nil {
		v.kubernetes(s.Kubernetes)
	}
}

// serviceExists reports a route reference to a missing service.
func (v *validator) serviceExists(line int, path, name string) {
	if name == "" {
		v.errorf(line, "%s: must not be empty", path)
		return
	}
	if _, ok := v.cfg.Dynamic.Services[name]; ok {
		return
	}
	names := sortedServiceNames(v.cfg.Dynamic.Services)
	v.errorf(line, "%s: unknown service %q%s", path, name, suggest(name, names))
}
