// Command schemagen writes docs/shoal.schema.json (JSON Schema, draft
// 2020-12) and docs/configuration.md from the Go types of internal/config
// and their doc comments, so the editor schema, the reference and the
// decoder cannot drift apart. Run it with `go generate ./internal/config`.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	src := flag.String("src", ".", "directory holding the config package's Go files")
	schemaOut := flag.String("schema", "", "where to write the JSON Schema")
	docOut := flag.String("doc", "", "where to write the Markdown reference")
	flag.Parse()
	if err := run(*src, *schemaOut, *docOut); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(src, schemaOut, docOut string) error {
	out, err := generate(src)
	if err != nil {
		return err
	}
	for path, data := range map[string][]byte{schemaOut: out.schema, docOut: out.doc} {
		if path == "" {
			continue
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}

// output is what one generation produces.
type output struct {
	schema []byte
	doc    []byte
}

// generate builds both files from the package source in src.
func generate(src string) (output, error) {
	docs, err := readDocs(src)
	if err != nil {
		return output{}, err
	}
	m := newModel(docs)
	schema, err := m.schema()
	if err != nil {
		return output{}, fmt.Errorf("building schema: %w", err)
	}
	return output{schema: schema, doc: m.markdown()}, nil
}
