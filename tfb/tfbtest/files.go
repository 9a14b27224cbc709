package tfbtest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// SchemaSQL returns testdata/tfb/schema.sql of the module the test runs in.
func SchemaSQL(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ModuleRoot(t), "testdata", "tfb", "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ModuleRoot returns the directory of the chopin module's go.mod, found
// from the working directory (a test's is its package directory).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module github.com/chopin-go/chopin\n")) {
			return dir
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod of github.com/chopin-go/chopin above the working directory")
		}
		dir = up
	}
}
