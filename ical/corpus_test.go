package ical

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir locates the shared test corpus, which is read in place and
// never copied into this repository (its files carry their own licenses).
// KALENDS_CORPUS overrides the default ../../shared/corpus. Without the
// corpus the test fails on CI and is skipped elsewhere.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KALENDS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("test corpus not found at %s (set KALENDS_CORPUS): %v", dir, err)
		}
		t.Skipf("test corpus not found at %s (set KALENDS_CORPUS to run this test)", dir)
	}
	return dir
}
