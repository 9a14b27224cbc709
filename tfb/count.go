package tfb

import (
	"net/url"
	"strconv"
	"strings"
)

// Count is the N of /queries, /updates and /cached-queries from its raw
// query value: an integer clamped to 1..MaxQueries; a missing, empty or
// non-numeric value means 1, as the TechEmpower rules ask.
func Count(raw string) int {
	n, err := strconv.Atoi(raw)
	switch {
	case err == nil:
	case n > 0: // strconv.ErrRange of a huge positive number
		return MaxQueries
	default:
		return 1
	}
	return min(max(n, 1), MaxQueries)
}

// QueryValue returns the value of the first name=value pair of a raw query
// string (URL.RawQuery), unescaped, or "" if there is none. It allocates
// only to unescape.
func QueryValue(rawQuery, name string) string {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(pair, "=")
		if k != name {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			u, err := url.QueryUnescape(v)
			if err != nil {
				return ""
			}
			v = u
		}
		return v
	}
	return ""
}
