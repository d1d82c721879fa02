package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesUpToDate fails when docs/shoal.schema.json or
// docs/configuration.md differ from what the current Go types produce.
func TestGeneratedFilesUpToDate(t *testing.T) {
	out, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{
		"../../../docs/shoal.schema.json": out.schema,
		"../../../docs/configuration.md":  out.doc,
	} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; run go generate ./internal/config", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date; run go generate ./internal/config", path)
		}
	}
}

// TestSchemaDocumentsEveryKey checks that every key has a description, so
// the reference never shows an empty row.
func TestSchemaDocumentsEveryKey(t *testing.T) {
	docs, err := readDocs("..")
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(docs)
	for _, f := range fieldsOf(configType) {
		if m.doc(f) == "" {
			t.Errorf("top-level key %s has no doc comment", f.key)
		}
	}
	for _, typ := range m.order {
		if docs.types[typ.Name()] == "" {
			t.Errorf("type %s has no doc comment", typ.Name())
		}
		if typ.Kind().String() != "struct" {
			continue
		}
		for _, f := range fieldsOf(typ) {
			if m.doc(f) == "" {
				t.Errorf("%s.%s (key %s) has no doc comment", typ.Name(), f.name, f.key)
			}
		}
	}
}

// TestSchemaIsValidJSON parses the schema and checks its anchors: the
// draft, strictness at the top, and a definition behind every $ref.
func TestSchemaIsValidJSON(t *testing.T) {
	out, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(out.schema, &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	if s["additionalProperties"] != false {
		t.Error("top level accepts unknown keys")
	}
	defs := s["$defs"].(map[string]any)
	for _, ref := range refs(s) {
		name := strings.TrimPrefix(ref, "#/$defs/")
		if _, ok := defs[name]; !ok {
			t.Errorf("dangling %s", ref)
		}
	}
	for _, want := range []string{"Service", "Route", "Match", "Endpoint", "Duration", "Scale", "Run"} {
		if _, ok := defs[want]; !ok {
			t.Errorf("no definition for %s", want)
		}
	}
}

func refs(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "$ref" {
				out = append(out, e.(string))
			}
			out = append(out, refs(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	}
	return out
}

// TestGoodFilesMatchSchema checks every testdata/*.good.yaml against the
// schema's keys, types and enums with a small walker, so the schema never
// rejects a file Shoal accepts.
func TestGoodFilesMatchSchema(t *testing.T) {
	out, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(out.schema, &s); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../testdata/*.good.yaml")
	if len(files) == 0 {
		t.Fatal("no good files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc := loadYAML(t, f)
			if doc == nil {
				t.Skip("empty document: nothing for a schema to check")
			}
			w := &walker{defs: s["$defs"].(map[string]any)}
			w.check(s, doc, "")
			for _, p := range w.problems {
				t.Error(p)
			}
		})
	}
}

// TestSchemaRejectsBadFiles checks that editors would flag the mistakes the
// schema can express: unknown keys, two path matchers, two actions, a hash
// policy without a key, an out-of-range enum.
func TestSchemaRejectsBadFiles(t *testing.T) {
	out, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(out.schema, &s); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"unknown_key.bad.yaml":       "unknown key endpoint",
		"two_path_matchers.bad.yaml": "forbidden combination",
		"no_action.bad.yaml":         "alternatives of oneOf match",
		"ring_hash.bad.yaml":         "missing hash_key",
		"redirect_status.bad.yaml":   "305 not in enum",
		"bad_duration.bad.yaml":      `"2 minutes" does not match`,
	} {
		w := &walker{defs: s["$defs"].(map[string]any)}
		w.check(s, loadYAML(t, "../testdata/"+file), "")
		if !strings.Contains(strings.Join(w.problems, "\n"), want) {
			t.Errorf("%s: want a problem containing %q, got %q", file, want, w.problems)
		}
	}
}
