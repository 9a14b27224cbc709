package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes the server binary buildServer left in a temporary
// directory, if a test built one.
func TestMain(m *testing.M) {
	code := m.Run()
	if built {
		if bin, err := buildServer(); err == nil {
			os.RemoveAll(filepath.Dir(bin))
		}
	}
	os.Exit(code)
}
