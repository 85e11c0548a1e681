// Package layout holds the test that keeps the package dependencies of
// DESIGN.md pointing one way: protocol → scheduling → backend → ical.
package layout

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/kalends/kalends"

// allowed lists, for each package, the project packages it may import
// (directly or not). Packages not listed may import nothing of the project.
var allowed = map[string][]string{
	"config":                 {},
	"ical":                   {},
	"backend":                {"ical"},
	"backend/postgres":       {"backend", "ical", "migrations"},
	"backend/sqlite":         {"backend", "ical", "migrations"},
	"backend/storetest":      {"backend", "ical"},
	"migrations":             {},
	"scheduling":             {"backend", "ical"},
	"scheduling/imip":        {"backend", "ical", "scheduling"},
	"calendar":               {"backend", "scheduling", "ical"},
	"caldav":                 {"calendar", "backend", "scheduling", "ical", "caldav/internal/davxml"},
	"caldav/internal/davxml": {},
	"davimport":              {"calendar", "backend", "ical", "scheduling"},
	"internal/testenv":       {"backend", "backend/postgres", "backend/sqlite", "migrations"},
	"conformance":            {"internal/testenv"},
	"cmd/kalends-bench":      {},
	"internal/layout":        {},
	"cmd/kalends":            {"*"},
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func TestDependenciesPointOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-json", module+"/...").Output()
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
			t.Errorf("package %s has no rule in the layout table (DESIGN.md)", name)
			continue
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
				t.Errorf("%s depends on %s, which DESIGN.md's layout does not allow", name, dep)
			}
		}
	}
	if seen < 8 {
		t.Fatalf("go list saw only %d packages", seen)
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
