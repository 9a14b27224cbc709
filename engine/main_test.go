package engine

import (
	"testing"

	"github.com/chopin-go/chopin/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
