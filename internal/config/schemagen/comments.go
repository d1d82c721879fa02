package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// docs holds the doc comments of the config package: type docs by type name
// and field docs by "Type.Field".
type docs struct {
	types  map[string]string
	fields map[string]string
}

// readDocs parses the non-test Go files in dir for their doc comments.
func readDocs(dir string) (docs, error) {
	d := docs{types: map[string]string{}, fields: map[string]string{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return d, err
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return d, fmt.Errorf("parsing %s: %w", f, err)
		}
		for _, decl := range af.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				d.types[ts.Name.Name] = paragraph(doc)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fl := range st.Fields.List {
					for _, n := range fl.Names {
						d.fields[ts.Name.Name+"."+n.Name] = paragraph(fl.Doc)
					}
				}
			}
		}
	}
	if len(d.types) == 0 {
		return d, fmt.Errorf("no Go types found in %s", dir)
	}
	return d, nil
}

// paragraph joins a comment's lines into one paragraph.
func paragraph(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	return strings.Join(strings.Fields(cg.Text()), " ")
}
