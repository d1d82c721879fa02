package kube_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// The token given to helm when rendering; the chart refuses to render without one.
const testToken = "test-token"

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// helmMu serialises a fallback build of helm between parallel tests.
var helmMu sync.Mutex

// helmBin is .bin/helm from scripts/install-deps.sh, or a build from the
// tools module (pinned there) in the temporary directory.
func helmBin(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	if bin := filepath.Join(root, ".bin", "helm"); fileExists(bin) {
		return bin
	}
	helmMu.Lock()
	defer helmMu.Unlock()
	bin := filepath.Join(os.TempDir(), "shoal-test-helm")
	if fileExists(bin) {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, "helm.sh/helm/v3/cmd/helm")
	cmd.Dir = filepath.Join(root, "tools")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building helm from tools/go.mod (scripts/install-deps.sh puts it in .bin/): %v\n%s", err, out)
	}
	return bin
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func runHelm(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(helmBin(t), args...)
	cmd.Dir = repoRoot(t)
	// A private home, so no user repositories or plugins leak in.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// helmTemplate renders the chart as release "shoal" in namespace "shoal",
// which must give the same objects as deploy/kubernetes.
func helmTemplate(t *testing.T, extra ...string) []map[string]any {
	t.Helper()
	args := append([]string{"template", "shoal", "deploy/helm/shoal", "--namespace", "shoal", "--set", "admin.token=" + testToken}, extra...)
	return splitDocs(t, runHelm(t, args...))
}

func readDocs(t *testing.T, paths ...string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, splitDocs(t, data)...)
	}
	return out
}

func splitDocs(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decoding YAML: %v", err)
		}
		if doc != nil {
			out = append(out, doc)
		}
	}
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[k]
	}
	s, _ := cur.(string)
	return s
}

func objectKey(d map[string]any) string {
	return str(d, "kind") + " " + str(d, "metadata", "namespace") + "/" + str(d, "metadata", "name")
}

// configMapShoalYAML returns the shoal.yaml held by the shoal-config ConfigMap.
func configMapShoalYAML(t *testing.T, docs []map[string]any) []byte {
	t.Helper()
	for _, d := range docs {
		if str(d, "kind") == "ConfigMap" && str(d, "metadata", "name") == "shoal-config" {
			if s := str(d, "data", "shoal.yaml"); s != "" {
				return []byte(s)
			}
		}
	}
	t.Fatal("no ConfigMap shoal-config with a shoal.yaml")
	return nil
}

func manifestPaths(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "deploy/kubernetes/*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes: %v", err)
	}
	return paths
}

func TestHelmLint(t *testing.T) {
	out := runHelm(t, "lint", "--strict", "deploy/helm/shoal", "--set", "admin.token="+testToken)
	if !strings.Contains(string(out), "0 chart(s) failed") {
		t.Fatalf("helm lint:\n%s", out)
	}
}

// TestHelmMatchesPlainManifests: the chart with its defaults renders the
// objects of deploy/kubernetes (less the Namespace, which helm install
// --create-namespace makes), and the same shoal.yaml.
func TestHelmMatchesPlainManifests(t *testing.T) {
	chart := helmTemplate(t)
	plain := readDocs(t, manifestPaths(t)...)
	var want, got []string
	for _, d := range plain {
		if str(d, "kind") != "Namespace" {
			want = append(want, objectKey(d))
		}
	}
	for _, d := range chart {
		got = append(got, objectKey(d))
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("helm renders\n  %s\nbut deploy/kubernetes has\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	parse := func(data []byte) map[string]any {
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := parse(configMapShoalYAML(t, chart)), parse(configMapShoalYAML(t, plain))
	if !reflect.DeepEqual(a, b) {
		ya, _ := yaml.Marshal(a)
		yb, _ := yaml.Marshal(b)
		t.Errorf("helm's shoal.yaml:\n%s\ndeploy/kubernetes's:\n%s", ya, yb)
	}
}

// TestHelmRequiresToken: the admin API listens on the pod network, so the
// chart refuses to render a config without a token.
func TestHelmRequiresToken(t *testing.T) {
	cmd := exec.Command(helmBin(t), "template", "shoal", "deploy/helm/shoal")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "admin.token") {
		t.Fatalf("helm template without admin.token: err %v, output:\n%s", err, out)
	}
}

// TestHelmAdminSecret: the token lives in a Secret mounted where
// admin.token_file points, never in the ConfigMap; admin.existingSecret
// uses the user's Secret instead of rendering one.
func TestHelmAdminSecret(t *testing.T) {
	docs := helmTemplate(t)
	if cm := string(configMapShoalYAML(t, docs)); strings.Contains(cm, testToken) || !strings.Contains(cm, "token_file: /etc/shoal-admin/token") {
		t.Errorf("the ConfigMap's shoal.yaml must name the token file and not hold the token:\n%s", cm)
	}
	if got := secretNames(docs); !reflect.DeepEqual(got, []string{"shoal-admin"}) {
		t.Errorf("Secrets rendered: %v, want [shoal-admin]", got)
	}
	if got := mountedSecret(t, docs, "/etc/shoal-admin"); got != "shoal-admin" {
		t.Errorf("Secret mounted at /etc/shoal-admin: %q, want shoal-admin", got)
	}

	own := helmTemplate(t, "--set", "admin.token=", "--set", "admin.existingSecret=my-token")
	if got := secretNames(own); len(got) != 0 {
		t.Errorf("with admin.existingSecret the chart still renders Secrets %v", got)
	}
	if got := mountedSecret(t, own, "/etc/shoal-admin"); got != "my-token" {
		t.Errorf("with admin.existingSecret=my-token the mounted Secret is %q", got)
	}
}

// TestHelmHistoryRBACFollowsLease: the history ConfigMap is named after the
// Lease, so the Role's resourceNames must follow kubernetes.lease.
func TestHelmHistoryRBACFollowsLease(t *testing.T) {
	for _, d := range helmTemplate(t, "--set", "kubernetes.lease=edge") {
		if str(d, "kind") != "Role" {
			continue
		}
		var named []string
		for _, r := range d["rules"].([]any) {
			rule := r.(map[string]any)
			if fmt.Sprint(rule["resources"]) != "[configmaps]" {
				continue
			}
			names, _ := rule["resourceNames"].([]any)
			if len(names) == 0 && fmt.Sprint(rule["verbs"]) != "[create]" {
				t.Errorf("configmaps rule %v has no resourceNames but grants more than create", rule)
			}
			for _, n := range names {
				named = append(named, fmt.Sprint(n))
			}
		}
		if !reflect.DeepEqual(named, []string{"edge-history"}) {
			t.Errorf("configmaps resourceNames %v, want [edge-history]", named)
		}
		return
	}
	t.Fatal("no Role rendered")
}

func secretNames(docs []map[string]any) []string {
	var out []string
	for _, d := range docs {
		if str(d, "kind") == "Secret" {
			out = append(out, str(d, "metadata", "name"))
		}
	}
	return out
}

// mountedSecret returns the Secret the Deployment mounts at path.
func mountedSecret(t *testing.T, docs []map[string]any, path string) string {
	t.Helper()
	for _, d := range docs {
		if str(d, "kind") != "Deployment" {
			continue
		}
		pod := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
		volume := ""
		for _, m := range pod["containers"].([]any)[0].(map[string]any)["volumeMounts"].([]any) {
			if str(m.(map[string]any), "mountPath") == path {
				volume = str(m.(map[string]any), "name")
			}
		}
		for _, v := range pod["volumes"].([]any) {
			if vm := v.(map[string]any); volume != "" && str(vm, "name") == volume {
				return str(vm, "secret", "secretName")
			}
		}
	}
	t.Fatalf("nothing mounted at %s", path)
	return ""
}

// TestDeploymentShape checks the properties the docs promise of both the
// plain Deployment and the chart's.
func TestDeploymentShape(t *testing.T) {
	for name, docs := range map[string][]map[string]any{
		"deploy/kubernetes": readDocs(t, manifestPaths(t)...),
		"helm":              helmTemplate(t),
	} {
		var dep map[string]any
		for _, d := range docs {
			if str(d, "kind") == "Deployment" {
				dep = d
			}
		}
		if dep == nil {
			t.Fatalf("%s: no Deployment", name)
		}
		spec := dep["spec"].(map[string]any)
		if spec["replicas"] != 2 {
			t.Errorf("%s: replicas %v, want 2", name, spec["replicas"])
		}
		pod := spec["template"].(map[string]any)["spec"].(map[string]any)
		c := pod["containers"].([]any)[0].(map[string]any)
		if p := str(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
			t.Errorf("%s: readiness probe path %q, want /readyz", name, p)
		}
		if p := str(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
			t.Errorf("%s: liveness probe path %q, want /healthz", name, p)
		}
		for _, m := range c["volumeMounts"].([]any) {
			if _, sub := m.(map[string]any)["subPath"]; sub {
				t.Errorf("%s: a subPath mount never sees ConfigMap updates, so hot reload would not work", name)
			}
		}
		if sc := pod["securityContext"].(map[string]any); sc["runAsNonRoot"] != true || sc["runAsUser"] != 65532 {
			t.Errorf("%s: pod securityContext %v: want runAsNonRoot and the image's user 65532", name, sc)
		}
	}
}
