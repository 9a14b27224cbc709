package router

import (
	"errors"
	"fmt"
	"strings"
)

// Route is what a method and path lead to: a preformatted Static response
// or a handler of the engine's type H.
type Route[H any] struct {
	Method  string
	Static  *Static
	Handler H
}

// Path holds the routes of one exact path.
type Path[H any] struct {
	path   string
	routes []Route[H]
	// Allow lists the path's methods for a 405 (RFC 9110 §15.5.6);
	// GET implies HEAD.
	Allow string
}

// Router maps exact paths to their routes. Add routes before serving; a
// Router is safe for concurrent Lookups once no more routes are added.
type Router[H any] struct {
	paths   map[string]*Path[H]
	byLen   [maxIndexedLen][]*Path[H] // short paths by length, for Lookup
	statics []*Static
}

// maxIndexedLen bounds the paths Lookup finds through byLen, by length and
// then a byte comparison, which beats hashing for the few short paths a
// server routes itself; longer ones go through the map.
const maxIndexedLen = 64

// ErrDuplicate reports a method and path registered twice.
var ErrDuplicate = errors.New("router: route already registered")

// Add registers a route. The path must start with '/' (or be "*" for
// OPTIONS); it is matched exactly, byte for byte.
func (r *Router[H]) Add(method, path string, rt Route[H]) error {
	if method == "" || path == "" || path[0] != '/' && path != "*" {
		return fmt.Errorf("router: bad route %q %q", method, path)
	}
	if r.paths == nil {
		r.paths = make(map[string]*Path[H])
	}
	p := r.paths[path]
	if p == nil {
		p = &Path[H]{path: path}
		r.paths[path] = p
		if len(path) < maxIndexedLen {
			r.byLen[len(path)] = append(r.byLen[len(path)], p)
		}
	}
	for _, old := range p.routes {
		if old.Method == method {
			return fmt.Errorf("%w: %s %s", ErrDuplicate, method, path)
		}
	}
	rt.Method = method
	p.routes = append(p.routes, rt)
	p.Allow = allow(p.routes)
	if rt.Static != nil {
		r.statics = append(r.statics, rt.Static)
	}
	return nil
}

func allow[H any](routes []Route[H]) string {
	var ms []string
	hasGET, hasHEAD := false, false
	for _, rt := range routes {
		ms = append(ms, rt.Method)
		hasGET = hasGET || rt.Method == "GET"
		hasHEAD = hasHEAD || rt.Method == "HEAD"
	}
	if hasGET && !hasHEAD {
		ms = append(ms, "HEAD")
	}
	return strings.Join(ms, ", ")
}

// Lookup finds the route for method and path. It returns the route, or nil
// and the Path when the path exists without that method (a 405), or nil and
// nil when the path is unknown. HEAD falls back to the GET route; the
// caller sends no body. It does not allocate.
func (r *Router[H]) Lookup(method, path []byte) (*Route[H], *Path[H]) {
	p := r.find(path)
	if p == nil {
		return nil, nil
	}
	for i := range p.routes {
		if p.routes[i].Method == string(method) {
			return &p.routes[i], p
		}
	}
	if string(method) == "HEAD" {
		for i := range p.routes {
			if p.routes[i].Method == "GET" {
				return &p.routes[i], p
			}
		}
	}
	return nil, p
}

func (r *Router[H]) find(path []byte) *Path[H] {
	if len(path) >= maxIndexedLen {
		return r.paths[string(path)]
	}
	for _, p := range r.byLen[len(path)] {
		if p.path == string(path) {
			return p
		}
	}
	return nil
}

// SetDate republishes every Static with a new date.
func (r *Router[H]) SetDate(date []byte) {
	for _, s := range r.statics {
		s.SetDate(date)
	}
}

// Each calls fn for every route, for a server that mounts them elsewhere
// (standard mode).
func (r *Router[H]) Each(fn func(path string, rt *Route[H])) {
	for path, p := range r.paths {
		for i := range p.routes {
			fn(path, &p.routes[i])
		}
	}
}
