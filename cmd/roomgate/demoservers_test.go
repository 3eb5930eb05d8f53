package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDemoServersStayBehindDemo checks that the demo's in-process IMAP
// server and SMTP sink are reached only by the commands that need them,
// `demo` and `bench`: only demoservers.go imports the server packages,
// and only demo.go and bench.go start them. The production binary links
// them for those two documented commands and for nothing else.
func TestDemoServersStayBehindDemo(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	servers := []string{"github.com/emersion/go-imap/v2/imapserver", "github.com/emersion/go-imap/v2/imapserver/imapmemserver",
		"codeberg.org/opteos/roomgate/mailbox/memimap"}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); slices.Contains(servers, p) && name != "demoservers.go" {
				t.Errorf("%s imports %s: the demo's servers belong to demoservers.go", name, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "NewServer" && name != "demoservers.go" {
				t.Errorf("%s makes a server (%s): only the demo's may", name, fset.Position(sel.Pos()))
			}
			if id, ok := n.(*ast.Ident); ok && id.Name == "startDemoServers" && !slices.Contains([]string{"demo.go", "bench.go", "demoservers.go"}, name) {
				t.Errorf("%s starts the demo's servers (%s): only demo and bench may", name, fset.Position(id.Pos()))
			}
			return true
		})
	}
}
