package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/shoal-gw/shoal/internal/config"
)

// fragmentMarker on the first line of a ```yaml block exempts it from
// TestDocExamplesAreValidConfigs: use it only for snippets that cannot be a
// config on their own.
const fragmentMarker = "# fragment"

// docBlock is one ```yaml block of a Markdown file.
type docBlock struct {
	line int // line of the block's first content line in the file
	src  string
}

// yamlBlocks returns every ```yaml block of the Markdown file at path.
func yamlBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		blocks []docBlock
		cur    *docBlock
		buf    strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```yaml":
			cur = &docBlock{line: n + 1}
			buf.Reset()
		case cur != nil && trimmed == "```":
			cur.src = buf.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: ```yaml block is never closed", path, cur.line-1)
	}
	return blocks
}

// completeDocBlock turns a documentation example into a whole config: a
// block that has services is used as it is; a routes list gets a services
// section naming every service its routes use, appended so that the
// line numbers in errors still point into the block.
func completeDocBlock(src string) (string, error) {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return "", fmt.Errorf("not a YAML mapping (a config, or a list under routes:): %w", err)
	}
	if _, ok := doc["services"]; ok {
		return src, nil
	}
	routes, ok := doc["routes"].([]any)
	if !ok {
		return "", fmt.Errorf("neither a config with services nor a routes list; start a fragment with %q", fragmentMarker)
	}
	var names []string
	for _, r := range routes {
		m, _ := r.(map[string]any)
		for _, k := range []string{"service", "read_service", "write_service"} {
			if s, ok := m[k].(string); ok && !slices.Contains(names, s) {
				names = append(names, s)
			}
		}
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(src)
	b.WriteString("services:")
	if len(names) == 0 {
		b.WriteString(" {}")
	}
	b.WriteString("\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %q: {endpoints: [http://127.0.0.1:9]}\n", n)
	}
	return b.String(), nil
}

// checkDocBlock parses and compiles one example the way `shoal validate`
// does: decoding and validation, then the gateway's compile step.
func checkDocBlock(name, src string) error {
	full, err := completeDocBlock(src)
	if err != nil {
		return err
	}
	cfg, err := config.Parse(name, []byte(full))
	if err != nil {
		return err
	}
	return Check(cfg.File, &cfg.Dynamic)
}

// TestDocExamplesAreValidConfigs checks every YAML example of the routing
// guide and the README, so the documentation cannot show keys the config
// does not accept.
func TestDocExamplesAreValidConfigs(t *testing.T) {
	for _, tc := range []struct {
		path string
		min  int // guards against the extractor silently finding nothing
	}{
		{"../../docs/routing.md", 6},
		{"../../README.md", 1},
		{"../../docs/load-balancing.md", 1},
	} {
		blocks := yamlBlocks(t, tc.path)
		checked := 0
		for _, b := range blocks {
			if strings.HasPrefix(b.src, fragmentMarker) {
				continue
			}
			checked++
			t.Run(fmt.Sprintf("%s:%d", strings.TrimPrefix(tc.path, "../../"), b.line), func(t *testing.T) {
				if err := checkDocBlock("block", b.src); err != nil {
					t.Errorf("the example starting at %s:%d is refused (block lines count from 1):\n%v", tc.path, b.line, err)
				}
			})
		}
		if checked < tc.min {
			t.Errorf("%s: checked %d yaml blocks, want at least %d", tc.path, checked, tc.min)
		}
	}
}

// TestDocExampleCheckCatchesDrift feeds the checker examples written with
// keys the config does not have (as docs/routing.md once showed), so a
// checker that accepts anything would fail here.
func TestDocExampleCheckCatchesDrift(t *testing.T) {
	for name, src := range map[string]string{
		"direct instead of direct_response": "routes:\n  - match: {path_exact: /x}\n    direct: {status: 200}\n",
		"rewrite object":                    "routes:\n  - match: {path_prefix: /api}\n    rewrite: {strip_prefix: /api}\n    service: api\n",
		"content_type key":                  "routes:\n  - direct_response: {status: 200, body: x, content_type: text/html}\n",
		"host and hosts":                    "routes:\n  - match: {host: a.test, hosts: [b.test]}\n    service: web\n",
		"a bare route, no routes key":       "- match: {path_prefix: /}\n  service: web\n",
		"compile step refuses":              "routes:\n  - match: {path_prefix: /}\n    strip_prefix: true\n    service: web\n",
	} {
		if err := checkDocBlock("drift", src); err == nil {
			t.Errorf("%s: accepted\n%s", name, src)
		}
	}
	if err := checkDocBlock("ok", "routes:\n  - {match: {hosts: [a.test]}, service: web, add_prefix: /v2}\n"); err != nil {
		t.Errorf("completed routes list refused: %v", err)
	}
}
