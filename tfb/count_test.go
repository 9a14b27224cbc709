package tfb_test

import (
	"testing"

	"github.com/chopin-go/chopin/tfb"
)

func TestCount(t *testing.T) {
	tests := []struct {
		raw  string
		want int
	}{
		{"", 1}, {"foo", 1}, {"0", 1}, {"-1", 1}, {"-99999999999999999999", 1},
		{"1", 1}, {"2", 2}, {"20", 20}, {"500", 500}, {"501", 500},
		{"99999999999999999999", 500}, {"1.5", 1}, {" 5", 1}, {"5 ", 1}, {"+5", 5}, {"0x10", 1},
	}
	for _, tt := range tests {
		if got := tfb.Count(tt.raw); got != tt.want {
			t.Errorf("Count(%q) = %d, want %d", tt.raw, got, tt.want)
		}
	}
}

func TestQueryValue(t *testing.T) {
	tests := []struct{ raw, name, want string }{
		{"", "queries", ""},
		{"queries=5", "queries", "5"},
		{"a=1&queries=7&queries=9", "queries", "7"},
		{"queries", "queries", ""},
		{"queries=", "queries", ""},
		{"query=3", "queries", ""},
		{"xqueries=3&queries=4", "queries", "4"},
		{"count=%32%30", "count", "20"},
		{"count=1+2", "count", "1 2"},
		{"count=%zz", "count", ""},
	}
	for _, tt := range tests {
		if got := tfb.QueryValue(tt.raw, tt.name); got != tt.want {
			t.Errorf("QueryValue(%q, %q) = %q, want %q", tt.raw, tt.name, got, tt.want)
		}
	}
}
