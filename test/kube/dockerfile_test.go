package kube_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN ...
	args string
	line int
}

// stage is one FROM ... block.
type stage struct {
	name, image string
	ins         []instruction
}

// parseDockerfile reads the instructions of a Dockerfile, enough of the
// syntax for ours: comments, parser directives, backslash continuations.
func parseDockerfile(t *testing.T, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []stage
	var cur strings.Builder
	start, n := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if body, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.Join(strings.Fields(args), " "), line: start}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s:%d: %s before the first FROM", path, start, in.cmd)
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// TestDockerfile checks what the image promises without a container
// engine: a Go builder matching go.mod, a static build, a final stage with
// only the binary running as a numeric non-root user, the documented ports
// and command; then it runs the builder's own `go build` line against this
// repository and checks the binary links nothing and runs.
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	if len(stages) != 2 {
		t.Fatalf("want a builder and a runtime stage, got %d stages", len(stages))
	}
	build, final := stages[0], stages[1]

	goVersion := goDirective(t, filepath.Join(root, "go.mod"))
	if want := "golang:" + goVersion; build.image != want {
		t.Errorf("builder image %s; go.mod wants Go %s, so %s", build.image, goVersion, want)
	}
	if !strings.HasPrefix(final.image, "gcr.io/distroless/static") && final.image != "scratch" {
		t.Errorf("runtime image %s: want distroless static or scratch (no shell, no libc)", final.image)
	}

	// USER must be numeric: the kubelet can only enforce runAsNonRoot on a
	// numeric user, and 0 is root.
	users := final.all("USER")
	if len(users) != 1 {
		t.Fatalf("runtime stage has %d USER lines, want 1", len(users))
	}
	uid, gid, hasGID := strings.Cut(users[0].args, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("Dockerfile:%d: USER %s: want a numeric non-root uid", users[0].line, users[0].args)
	}
	if _, err := strconv.Atoi(gid); hasGID && err != nil {
		t.Errorf("Dockerfile:%d: USER %s: want a numeric gid", users[0].line, users[0].args)
	}

	// Only the binary (and the empty state directory) comes from the builder.
	for _, c := range final.all("COPY") {
		f := strings.Fields(c.args)
		src := f[len(f)-2]
		if !strings.Contains(c.args, "--from="+build.name) || (src != "/out/shoal" && src != "/out/state") {
			t.Errorf("Dockerfile:%d: COPY %s: the runtime stage should take only the binary from the builder", c.line, c.args)
		}
	}
	if e := final.all("EXPOSE"); len(e) != 1 || e[0].args != "8080 9901" {
		t.Errorf("EXPOSE: %v, want 8080 9901", e)
	}
	ep := final.all("ENTRYPOINT")
	if len(ep) != 1 || ep[0].args != `["/usr/local/bin/shoal", "run", "-c", "/etc/shoal/shoal.yaml"]` {
		t.Errorf("ENTRYPOINT: %v, want the exec form of shoal run -c /etc/shoal/shoal.yaml", ep)
	}

	env := stageEnv(build)
	if env["CGO_ENABLED"] != "0" {
		t.Errorf("builder ENV CGO_ENABLED=%q, want 0 for a static binary", env["CGO_ENABLED"])
	}
	line := goBuildLine(t, build)
	if !strings.Contains(line, "-trimpath") {
		t.Errorf("go build line %q lacks -trimpath", line)
	}

	// Run the line as the builder would, writing to a temporary file
	// instead of /out/shoal.
	bin := filepath.Join(t.TempDir(), "shoal")
	line = strings.Replace(line, "-o /out/shoal", "-o "+bin, 1)
	if !strings.Contains(line, bin) {
		t.Fatalf("go build line %q does not write -o /out/shoal, which the runtime stage copies", line)
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = root
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's build line failed: %s\n%v\n%s", line, err, out)
	}
	checkStatic(t, bin)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "dev") {
		t.Fatalf("%s version: %v\n%s (want the ARG VERSION default, dev)", bin, err, out)
	}

	// The configs shipped in deploy/ pass `shoal validate` of this very binary.
	t.Run("shoal validate", func(t *testing.T) {
		plain := configMapShoalYAML(t, readDocs(t, filepath.Join(root, "deploy/kubernetes/configmap.yaml")))
		chart := configMapShoalYAML(t, helmTemplate(t))
		withGateway := configMapShoalYAML(t, helmTemplate(t, "--set", "kubernetes.gatewayAPI.gateway=shoal"))
		// The Secret's mount point does not exist here: point token_file at a stand-in.
		tokenFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokenFile, []byte(testToken), 0o600); err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"deploy-kubernetes.yaml": plain, "helm.yaml": chart, "helm-gateway-api.yaml": withGateway} {
			if !bytes.Contains(data, []byte("/etc/shoal-admin/token")) {
				t.Errorf("%s: admin.token_file is not /etc/shoal-admin/token, where the Secret is mounted", name)
			}
			data = bytes.ReplaceAll(data, []byte("/etc/shoal-admin/token"), []byte(tokenFile))
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "validate", "-c", path).CombinedOutput(); err != nil {
				t.Errorf("shoal validate of the shoal.yaml from %s: %v\n%s", name, err, out)
			}
		}
	})
}

// stageEnv gathers ENV and ARG defaults of a stage, the way the builder sees them.
func stageEnv(s stage) map[string]string {
	env := map[string]string{}
	for _, in := range s.ins {
		if in.cmd != "ENV" && in.cmd != "ARG" {
			continue
		}
		for _, kv := range strings.Fields(in.args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = strings.Trim(v, `"`)
			}
		}
	}
	return env
}

var mountFlag = regexp.MustCompile(`--mount=\S+\s*`)

// goBuildLine returns the builder's RUN line that runs go build, without
// BuildKit's --mount flags (cache mounts change nothing in the result).
func goBuildLine(t *testing.T, s stage) string {
	t.Helper()
	for _, in := range s.all("RUN") {
		if strings.Contains(in.args, "go build") {
			return strings.TrimSpace(mountFlag.ReplaceAllString(in.args, ""))
		}
	}
	t.Fatal("the builder has no RUN ... go build line")
	return ""
}

// checkStatic fails when the binary asks for a dynamic loader or libraries.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: not a static binary", bin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s links %v: not a static binary", bin, libs)
	}
}

func goDirective(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s has no go directive", path)
	}
	return string(m[1])
}
