// Package layout holds the test that keeps the package dependencies of the
// repository's ARCHITECTURE.md pointing one way: front doors → calendar →
// scheduling → backend → ical.
package layout

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/kalends/kalends"

// httpWiring names the only files of cmd/kalends that may import the
// CalDAV door: the server wiring. Every other command calls the
// application layer.
var httpWiring = map[string]bool{"serve.go": true}

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Deps       []string
}

// allowedImports reads the package table of ARCHITECTURE.md: for each
// package, the project packages it may import (directly or not); "*" is
// any.
func allowedImports(t *testing.T) map[string][]string {
	data, err := os.ReadFile("../../ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	begin, end := strings.Index(text, "<!-- layout:begin -->"), strings.Index(text, "<!-- layout:end -->")
	if begin < 0 || end < begin {
		t.Fatal("ARCHITECTURE.md has no layout table between its markers")
	}
	out := map[string][]string{}
	for _, line := range strings.Split(text[begin:end], "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue // the markers, the header and its rule
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		var may []string
		for _, d := range strings.Split(cells[len(cells)-2], ",") {
			if d = strings.Trim(strings.TrimSpace(d), "`"); d != "" && d != "—" {
				may = append(may, d)
			}
		}
		out[name] = may
	}
	if len(out) < 10 {
		t.Fatalf("the layout table of ARCHITECTURE.md names only %d packages", len(out))
	}
	return out
}

func TestDependenciesPointOneWay(t *testing.T) {
	allowed := allowedImports(t)
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		name := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		rules, ok := allowed[name]
		if !ok {
			t.Errorf("package %s has no row in the layout table of ARCHITECTURE.md", name)
			continue
		}
		if name == "cmd/kalends" {
			checkHTTPWiring(t, p)
		}
		if len(rules) == 1 && rules[0] == "*" {
			continue
		}
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(d, module+"/")
			if !contains(rules, dep) {
				t.Errorf("%s depends on %s, which the layout table of ARCHITECTURE.md does not allow", name, dep)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list saw only %d packages", seen)
	}
}

// checkHTTPWiring fails when a file of the binary other than the server
// wiring imports the CalDAV door: commands call the application layer.
func checkHTTPWiring(t *testing.T, p pkg) {
	for _, f := range p.GoFiles {
		file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, f), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == module+"/caldav" && !httpWiring[f] {
				t.Errorf("cmd/kalends/%s imports caldav; commands call package calendar, only the server wiring uses caldav", f)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
