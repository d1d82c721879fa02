package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustLoad(t *testing.T, path string) *Config {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", path, err)
	}
	return c
}

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return c
}

// TestMinimalConfig pins the values, defaults included, that the minimal
// config of DESIGN.md §4 must produce.
func TestMinimalConfig(t *testing.T) {
	c := mustLoad(t, "testdata/minimal.good.yaml")
	s := c.Static
	if !slices.Equal(s.Listen, []string{"127.0.0.1:8080"}) || s.Admin.Address != "127.0.0.1:9901" || s.StateDir != "./.shoal" {
		t.Errorf("static = %+v", s)
	}
	if s.DrainTimeout.D() != 30*time.Second || s.Log.Format != "text" || s.Log.Level != "info" || s.AccessLog.Path != "-" || s.AccessLog.Enabled {
		t.Errorf("static defaults = %+v", s)
	}
	web, api := c.Dynamic.Services["web"], c.Dynamic.Services["api"]
	if web == nil || api == nil || len(c.Dynamic.Services) != 2 {
		t.Fatalf("services = %v", c.Dynamic.Services)
	}
	if web.Name != "web" || len(web.Endpoints) != 2 || web.Endpoints[1].URL != "http://127.0.0.1:9002" || web.Endpoints[1].Weight != 1 {
		t.Errorf("web = %+v", web)
	}
	if web.Balancer.Policy != "round_robin" || web.Timeouts.Connect.D() != 5*time.Second || web.Timeouts.ResponseHeader.D() != 30*time.Second {
		t.Errorf("web defaults = %+v %+v", web.Balancer, web.Timeouts)
	}
	if api.Run == nil || api.Run.Command != "./bin/api" || api.Run.PortEnv != "PORT" || api.Run.StopSignal != "SIGTERM" {
		t.Errorf("api.run = %+v", api.Run)
	}
	if api.Scale == nil || api.Scale.Min != 1 || api.Scale.Max != 10 || api.Scale.Policy != "shoal" || api.Scale.Target != 10 {
		t.Errorf("api.scale = %+v", api.Scale)
	}
	r := c.Dynamic.Routes
	if len(r) != 2 || r[0].Name != "route-0" || r[0].Match.PathPrefix != "/api" || r[0].Service != "api" || r[1].Name != "route-1" || r[1].Service != "web" {
		t.Errorf("routes = %+v %+v", r[0], r[1])
	}
	if got := r[0].Pos.Of("service"); got != 12 {
		t.Errorf("line of routes[0].service = %d, want 12", got)
	}
}

// TestQuickstartExample keeps the shipped example loadable.
func TestQuickstartExample(t *testing.T) {
	c := mustLoad(t, filepath.Join("..", "..", "examples", "quickstart", "shoal.yaml"))
	if len(c.Dynamic.Routes) == 0 || len(c.Dynamic.Services) == 0 {
		t.Fatalf("example has no routes or services: %+v", c.Dynamic)
	}
}

func TestFullConfig(t *testing.T) {
	c := mustLoad(t, "testdata/full.good.yaml")
	if c.Static.Admin.Token != "s3cret-admin-token" || c.Static.Log.Format != "json" || c.Static.IdleTimeout.D() != 90*time.Second {
		t.Errorf("static = %+v", c.Static)
	}
	api := c.Dynamic.Services["api"]
	// response_header is the service's own; connect and request come from defaults.
	if api.Timeouts.ResponseHeader.D() != 5*time.Second || api.Timeouts.Connect.D() != 2*time.Second || api.Timeouts.Request.D() != time.Minute {
		t.Errorf("api timeouts = %+v", api.Timeouts)
	}
	if api.Run.Env["GOMAXPROCS"] != "1" || !slices.Equal(api.Run.Args, []string{"--log-format", "json"}) || api.Run.Ready.Interval.D() != 100*time.Millisecond {
		t.Errorf("api.run = %+v", api.Run)
	}
	if api.Scale.Min != 0 || api.Scale.Metric != "rps" || api.Scale.ScaleToZeroGrace.D() != 2*time.Minute {
		t.Errorf("api.scale = %+v", api.Scale)
	}
	if hk := c.Dynamic.Services["carts"].Balancer.HashKey; hk == nil || hk.Source != "cookie" || hk.Name != "session" {
		t.Errorf("carts hash key = %+v", hk)
	}
	if hk := c.Dynamic.Services["shards"].Balancer.HashKey; hk == nil || hk.Source != "path_segment" || hk.Index != 1 {
		t.Errorf("shards hash key = %+v", hk)
	}
	if w := c.Dynamic.Services["web"].Endpoints; w[0].Weight != 1 || w[1].Weight != 3 {
		t.Errorf("web weights = %+v", w)
	}
	if reg := c.Dynamic.Services["registered"]; reg == nil || reg.Name != "registered" || len(reg.Endpoints) != 0 {
		t.Errorf("registered = %+v", reg)
	}
	routes := map[string]*Route{}
	for _, r := range c.Dynamic.Routes {
		routes[r.Name] = r
	}
	a := routes["api"]
	if h := a.Match.Headers[0]; h.Present == nil || *h.Present {
		t.Errorf("present: false decoded as %v", h.Present)
	}
	if !a.StripPrefix || a.RequestHeaders.Set[0] != (Header{Name: "X-Forwarded-Prefix", Value: "/v1", Line: 76}) {
		t.Errorf("api route = %+v", a.RequestHeaders)
	}
	if u := routes["users"]; u.ReadService != "users-read" || u.WriteService != "users-write" {
		t.Errorf("users = %+v", u)
	}
	if rd := routes["https"].Redirect; rd.Scheme != "https" || rd.Status != 308 {
		t.Errorf("https redirect = %+v", rd)
	}
	if d := routes["robots"].DirectResponse; d.Status != 200 || d.Body != "User-agent: *\nDisallow: /api\n" || d.Headers[0].Value != "text/plain" {
		t.Errorf("robots = %+v", d)
	}
	if last := c.Dynamic.Routes[len(c.Dynamic.Routes)-1]; last.Name != "route-7" {
		t.Errorf("unnamed last route got %q", last.Name)
	}
}

// TestHeaderListKeepsFileOrder: generated headers come out as written.
func TestHeaderListKeepsFileOrder(t *testing.T) {
	c := mustParse(t, "routes:\n  - direct_response:\n      headers: {Z-Last: 1, A-First: 2, M-Mid: 3}\n")
	var names []string
	for _, h := range c.Dynamic.Routes[0].DirectResponse.Headers {
		names = append(names, h.Name)
	}
	if !slices.Equal(names, []string{"Z-Last", "A-First", "M-Mid"}) {
		t.Errorf("order = %v", names)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	c := mustLoad(t, "testdata/anchors.good.yaml")
	a, b := c.Dynamic.Services["a"], c.Dynamic.Services["b"]
	if a.Balancer.Policy != "least_request" || b.Balancer.Policy != "least_request" {
		t.Errorf("merged balancer: a=%v b=%v", a.Balancer.Policy, b.Balancer.Policy)
	}
	// An explicit key wins over the merged one.
	if a.Timeouts.Connect.D() != time.Second || b.Timeouts.Connect.D() != 3*time.Second {
		t.Errorf("connect: a=%v b=%v", a.Timeouts.Connect, b.Timeouts.Connect)
	}
}

// TestNullMeansAbsent: "key:" with no value gets the default.
func TestNullMeansAbsent(t *testing.T) {
	c := mustParse(t, "listen:\nlog:\nadmin:\ndrain_timeout:\n")
	if !slices.Equal(c.Static.Listen, []string{"127.0.0.1:8080"}) || c.Static.Log.Level != "info" || c.Static.Admin.Address != "127.0.0.1:9901" || c.Static.DrainTimeout.D() != 30*time.Second {
		t.Errorf("static = %+v", c.Static)
	}
}

func TestAdminForms(t *testing.T) {
	a := mustParse(t, "admin: 127.0.0.1:9999\n").Static.Admin
	b := mustParse(t, "admin: {address: '[::1]:9999'}\n").Static.Admin
	c := mustParse(t, "admin: {address: 0.0.0.0:9999, token: t}\n").Static.Admin
	if a.Address != "127.0.0.1:9999" || b.Address != "[::1]:9999" || c.Token != "t" {
		t.Errorf("admin forms: %+v %+v %+v", a, b, c)
	}
	if _, err := Parse("x", []byte("admin: localhost:9901\n")); err != nil {
		t.Errorf("localhost is loopback: %v", err)
	}
}

// TestScaleMaxFollowsMin: a min above the default max raises max instead of
// failing, but an explicit max below min fails.
func TestScaleMaxFollowsMin(t *testing.T) {
	c := mustParse(t, "services:\n  a:\n    scale: {min: 20}\n")
	if s := c.Dynamic.Services["a"].Scale; s.Max != 20 {
		t.Errorf("max = %d, want 20", s.Max)
	}
	if _, err := Parse("x", []byte("services:\n  a:\n    scale: {min: 20, max: 10}\n")); err == nil {
		t.Error("explicit max below min accepted")
	}
}

// Settings that are valid but will not do what they seem to are warnings
// that name their line; defaults never warn.
func TestScaleWarnings(t *testing.T) {
	c := mustParse(t, "services:\n  a:\n    scale:\n      target: 12\n      container_concurrency: 8\n  b:\n    scale:\n      min: 0\n      cold_start: 45s\n      wait_timeout: 30s\n")
	if len(c.Warnings) != 2 {
		t.Fatalf("want 2 warnings, got %v", c.Warnings)
	}
	if w := c.Warnings[0]; w.Line != 4 || !strings.Contains(w.Msg, "services.a.scale.target: 12 is above container_concurrency 8") {
		t.Errorf("target warning: %v", w)
	}
	if w := c.Warnings[1]; w.Line != 10 || !strings.Contains(w.Msg, "wait_timeout: 30s is not longer than cold_start 45s") {
		t.Errorf("wait_timeout warning: %v", w)
	}
	quiet := []string{
		"services:\n  a:\n    scale: {min: 0}\n",                              // default cold_start is a guess
		"services:\n  a:\n    scale: {target: 8, container_concurrency: 8}\n", // at the limit
		"services:\n  a:\n    scale: {metric: rps, target: 50, container_concurrency: 8}\n",
		"services:\n  a:\n    scale: {min: 1, cold_start: 45s, wait_timeout: 30s}\n", // never at zero
	}
	for _, src := range quiet {
		if c := mustParse(t, src); len(c.Warnings) != 0 {
			t.Errorf("%q warned: %v", src, c.Warnings)
		}
	}
}

func TestStaticDiff(t *testing.T) {
	base := "listen: [127.0.0.1:8080]\nadmin: 127.0.0.1:9901\nlog: {level: info}\nservices: {web: {endpoints: [http://127.0.0.1:1]}}\n"
	a := mustParse(t, base)
	cases := []struct {
		name, src string
		want      []string
	}{
		{"same", base, nil},
		{"dynamic only", strings.Replace(base, "127.0.0.1:1", "127.0.0.1:2", 1), nil},
		{"moved lines and other admin form", "\n\nadmin: {address: 127.0.0.1:9901}\nlisten: [127.0.0.1:8080]\nlog: {level: info}\n", nil},
		{"explicit default", base + "drain_timeout: 30s\n", nil},
		{"listen and level", "listen: [127.0.0.1:8081]\nlog: {level: debug}\n", []string{"listen", "log.level"}},
		{"token and drain", base + "drain_timeout: 1s\nadmin: {address: 127.0.0.1:9901, token: x}\n", nil},
	}
	cases[5].src = "listen: [127.0.0.1:8080]\nadmin: {address: 127.0.0.1:9901, token: x}\nlog: {level: info}\ndrain_timeout: 1s\n"
	cases[5].want = []string{"admin.token", "drain_timeout"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := mustParse(t, tc.src)
			if got := StaticDiff(a, b); !slices.Equal(got, tc.want) {
				t.Errorf("StaticDiff = %q, want %q", got, tc.want)
			}
			msg := RestartRequired(a, b)
			if (msg == "") != (len(tc.want) == 0) || (len(tc.want) > 0 && !strings.Contains(msg, tc.want[0])) {
				t.Errorf("RestartRequired = %q", msg)
			}
		})
	}
}

// TestErrorList checks the error's type and fields, not only its text.
func TestErrorList(t *testing.T) {
	_, err := Parse("f.yaml", []byte("listen: [x]\nroutes:\n  - match: {}\n"))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("err = %#v", err)
	}
	if list[0].File != "f.yaml" || list[0].Line != 1 || list[1].Line != 3 {
		t.Errorf("errors = %+v %+v", list[0], list[1])
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "f.yaml:3: routes[0]: no action") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"path_exact", "path_prefix", "path_regex", "methods", "headers", "host"}
	for word, want := range map[string]string{
		"path_prefx":  "path_prefix",
		"pathprefix":  "path_prefix",
		"mehtods":     "methods", // swapped letters
		"header":      "headers",
		"hots":        "host",
		"colour":      "",
		"timeout":     "",
		"path_regexp": "path_regex",
	} {
		got := suggest(word, keys)
		if want == "" && got != "" || want != "" && got != ` (did you mean "`+want+`"?)` {
			t.Errorf("suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

// TestDefaultTagsDecode makes every default tag go through the decoder once,
// so a typo in a tag fails here rather than at a user's first run.
func TestDefaultTagsDecode(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[Config](), reflect.TypeFor[Service](), reflect.TypeFor[Route](),
		reflect.TypeFor[Run](), reflect.TypeFor[Scale](), reflect.TypeFor[Redirect](),
		reflect.TypeFor[DirectResponse](), reflect.TypeFor[Endpoint](),
	} {
		v := reflect.New(typ).Elem()
		applyTagDefaults(typeCache{}, v) // panics on a bad tag
		for _, f := range fieldsOf(typ) {
			if def, ok := f.tag.Lookup("default"); ok && v.FieldByIndex(f.index).IsZero() {
				t.Errorf("%s.%s: default %q left the zero value", typ.Name(), f.key, def)
			}
		}
	}
}

// FuzzParse: no input may panic the decoder or validator, and a config that
// parses must pass again unchanged (deterministic result).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c1, err1 := Parse("fuzz", data)
		c2, err2 := Parse("fuzz", data)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("two parses disagree: %v / %v", err1, err2)
		}
		if c1 != nil && len(StaticDiff(c1, c2)) != 0 {
			t.Fatalf("two parses differ in %v", StaticDiff(c1, c2))
		}
	})
}

// TestAliasBomb: a small file whose aliases expand to more values than the
// budget fails fast instead of stalling a reload (budget lowered to keep the
// test quick; 500x500 headers stand for 250,000 values).
func TestAliasBomb(t *testing.T) {
	src := "x-h: &h {name: X-A, value: b}\n" +
		"x-hs: &hs [" + strings.Repeat("*h,", 499) + "*h]\n" +
		"x-r: &r {match: {headers: *hs}, direct_response: {}}\n" +
		"routes: [" + strings.Repeat("*r,", 499) + "*r]\n"
	_, err := parse("bomb.yaml", []byte(src), 100_000)
	if err == nil || !strings.Contains(err.Error(), "too many values") {
		t.Fatalf("err = %.300v", err)
	}
}
