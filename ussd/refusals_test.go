package ussd

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kikundi/kikundi/chama"
	"github.com/kikundi/kikundi/ussd/screen"
)

// TestEveryRefusalHasWordsInBothLanguages reads the chama's and the rules' sources for
// every exported Err variable and fails on one the refusals table does not name, so a new
// refusal cannot reach a Swahili speaker in English; and every refusal's words exist in
// both languages, are GSM-7 and fit a screen.
func TestEveryRefusalHasWordsInBothLanguages(t *testing.T) {
	for _, r := range refusals {
		pair, ok := texts[r.key]
		if !ok {
			t.Errorf("%v: key %q has no words", r.err, r.key)
			continue
		}
		for i, s := range pair {
			if s == "" || !screen.IsGSM7(s) || !screen.Fits(s) {
				t.Errorf("%v: %q in language %d is empty, not GSM-7 or too long: %q", r.err, r.key, i, s)
			}
		}
		if sw, ok := refusalText("sw", r.err); !ok || sw != pair[0] {
			t.Errorf("%v: Swahili refusal %q, %v; want %q", r.err, sw, ok, pair[0])
		}
	}
	table := tableNames(t)
	for pkg, dir := range map[string]string{"chama": "../chama", "rules": "../chama/rules"} {
		for _, name := range errVars(t, dir) {
			if !table[pkg+"."+name] {
				t.Errorf("%s.%s has no entry in refusals (ussd/refusals.go)", pkg, name)
			}
		}
	}
}

// errVars lists the exported package-level variables named Err… in dir's non-test files.
func errVars(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, spec := range g.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						if strings.HasPrefix(n.Name, "Err") {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("no Err variables in %s: is the path right?", dir)
	}
	return names
}

// tableNames are the errors the refusals table names, as "chama.ErrX" and "rules.ErrX".
func tableNames(t *testing.T) map[string]bool {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "refusals.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && strings.HasPrefix(sel.Sel.Name, "Err") {
				named[pkg.Name+"."+sel.Sel.Name] = true
			}
		}
		return true
	})
	return named
}

// TestASIMHoldSaysWhenItEnds: the hold's end is shown in both languages, on one screen.
func TestASIMHoldSaysWhenItEnds(t *testing.T) {
	err := &chama.SIMSwapError{Until: time.Date(2026, 11, 25, 13, 5, 0, 0, time.UTC)}
	for _, lang := range []string{"sw", "en"} {
		got, ok := refusalText(lang, err)
		if !ok || !strings.Contains(got, "25/11 16:05") || !screen.Fits(got) {
			t.Errorf("%s: %q, %v; want the end of the hold, 25/11 16:05 Nairobi time", lang, got, ok)
		}
	}
}
