package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// NodeModule returns the node command and a directory whose node_modules
// holds the npm package module, for tests that run a JavaScript client
// library (such as ical.js, Thunderbird's parser). The directory is the
// one named by the environment variable envVar, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/kalends/npm, where ./scripts/test
// installs the packages with npm. When node or the package is missing the
// test is skipped, or fails when KALENDS_REQUIRE_CLIENTS=1.
func NodeModule(t testing.TB, envVar, module string) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		clientMissing(t, "command node not found (install Debian package nodejs)")
		return "", ""
	}
	dir = os.Getenv(envVar)
	if dir == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(cache, "kalends", "npm")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module, "package.json")); err != nil {
		clientMissing(t, fmt.Sprintf("npm package %s not found in %s (run ./scripts/test, which installs it with npm, "+
			"or npm install --prefix DIR %s and set %s=DIR)", module, dir, module, envVar))
		return "", ""
	}
	return node, dir
}
