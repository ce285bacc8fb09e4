package views

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// translatable collects the English texts the code shows to people: arguments
// of T, Tf, ErrorText-able errors (Errorf, FieldError), empty states, and the
// Label/Hint/Title fields and navigation entries of view-models.
func translatable(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	fset := token.NewFileSet()
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, "/seed/") || strings.Contains(path, "/ptest/") {
			return nil // demo and test data are content, not interface text
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		lit := func(e ast.Expr) (string, bool) {
			bl, ok := e.(*ast.BasicLit)
			if !ok || bl.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(bl.Value)
			return s, err == nil && s != ""
		}
		add := func(e ast.Expr) {
			if s, ok := lit(e); ok {
				found[s] = fset.Position(e.Pos()).String()
			}
		}
		inLabelFunc := map[ast.Node]bool{}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && strings.HasSuffix(fd.Name.Name, "Label") && fd.Body != nil {
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					if r, ok := n.(*ast.ReturnStmt); ok {
						for _, e := range r.Results {
							add(e)
						}
					}
					return true
				})
				inLabelFunc[fd] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				// Label tables: var kindLabels = map[string]string{…}
				for i, name := range n.Names {
					if !strings.HasSuffix(name.Name, "Labels") || i >= len(n.Values) {
						continue
					}
					if cl, ok := n.Values[i].(*ast.CompositeLit); ok {
						for _, el := range cl.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								add(kv.Value)
							}
						}
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				switch name {
				case "T", "Tf", "Errorf", "FieldError", "Empty":
					if len(n.Args) < 2 {
						return true
					}
					if name == "T" || name == "Tf" || name == "Errorf" || name == "FieldError" {
						if name == "Errorf" {
							if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
								if id, ok := sel.X.(*ast.Ident); ok && id.Name == "fmt" {
									return true
								}
							}
						}
						add(n.Args[1])
					} else {
						add(n.Args[0])
						add(n.Args[1])
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && (k.Name == "Label" || k.Name == "Hint" || k.Name == "Title" || k.Name == "Done") {
					add(n.Value)
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && (id.Name == "navItem" || id.Name == "label") && len(n.Elts) == 2 {
					add(n.Elts[1])
				}
				// [2]string and [][2]string option lists: {value, English label}
				if at, ok := n.Type.(*ast.ArrayType); ok && at.Len != nil && len(n.Elts) == 2 {
					add(n.Elts[1])
				}
				if at, ok := n.Type.(*ast.ArrayType); ok && at.Len == nil {
					if inner, ok := at.Elt.(*ast.ArrayType); ok && inner.Len != nil {
						for _, el := range n.Elts {
							if cl, ok := el.(*ast.CompositeLit); ok && len(cl.Elts) == 2 {
								add(cl.Elts[1])
							}
						}
					}
				}
				// anonymous {key, label} tables
				if at, ok := n.Type.(*ast.ArrayType); ok {
					if st, ok := at.Elt.(*ast.StructType); ok && len(st.Fields.List) > 0 {
						for _, el := range n.Elts {
							if cl, ok := el.(*ast.CompositeLit); ok && len(cl.Elts) == 2 {
								add(cl.Elts[1])
							}
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestEveryTextHasAChineseTranslation keeps pages from mixing languages: every
// English text in the code has a Chinese translation.
func TestEveryTextHasAChineseTranslation(t *testing.T) {
	var missing []string
	for en, where := range translatable(t) {
		if _, ok := zhCatalog[en]; !ok {
			missing = append(missing, strconv.Quote(en)+"  // "+where)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		if os.Getenv("PRINT_MISSING") != "" {
			for _, m := range missing {
				println(m)
			}
		}
		t.Fatalf("%d texts have no Chinese translation (run with PRINT_MISSING=1 to list them):\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// TestTranslationsKeepFormatVerbs makes sure a translation has the same fmt
// verbs, in the same order, as its English text.
func TestTranslationsKeepFormatVerbs(t *testing.T) {
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	verbs := func(s string) string { return strings.Join(verb.FindAllString(s, -1), ",") }
	for en, zh := range zhCatalog {
		if verbs(en) != verbs(zh) {
			t.Errorf("%q → %q: verbs %s vs %s", en, zh, verbs(en), verbs(zh))
		}
		if strings.TrimSpace(zh) == "" {
			t.Errorf("%q has an empty translation", en)
		}
	}
}
