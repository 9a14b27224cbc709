package engine

import (
	"fmt"

	"github.com/chopin-go/chopin/http1"
	"github.com/chopin-go/chopin/router"
)

// Handler is what a route serves: a FastRoute made by Text, JSON, HTML or
// Static, or a LoopFunc.
type Handler interface {
	route(serverName string) router.Route[LoopFunc]
}

// FastRoute is a static response, preformatted when the server starts and
// kept current with the Date, so that serving it is a single copy.
type FastRoute struct {
	contentType string
	body        []byte
}

// Text is a FastRoute with a text/plain body, as the design's
// FastRoute::text.
func Text(body string) FastRoute { return Static("text/plain", []byte(body)) }

// JSON is a FastRoute with an application/json body that is already
// serialized.
func JSON(body []byte) FastRoute { return Static("application/json", body) }

// HTML is a FastRoute with a text/html body.
func HTML(body string) FastRoute { return Static("text/html; charset=utf-8", []byte(body)) }

// Static is a FastRoute with any content type. body is not copied; do not
// modify it afterwards.
func Static(contentType string, body []byte) FastRoute {
	return FastRoute{contentType: contentType, body: body}
}

func (f FastRoute) route(serverName string) router.Route[LoopFunc] {
	return router.Route[LoopFunc]{Static: router.NewStatic(serverName, f.contentType, f.body)}
}

// LoopFunc is a loop handler: it runs on an event loop with the parsed
// request and writes its answer into w, which the engine appends to the
// connection's outbound batch. It must never block: no IO, no locks that
// other goroutines hold for long, no channel waits, no sleeping. While it
// runs, no other connection of its loop is served. Anything that may block
// belongs on the fallback http.Handler.
//
// The request, its slices and w are valid only until the handler returns.
type LoopFunc func(w *Response, r *Request)

func (f LoopFunc) route(string) router.Route[LoopFunc] {
	return router.Route[LoopFunc]{Handler: f}
}

// Request is a parsed request as a loop handler sees it.
type Request struct {
	http1.Request
	Body []byte // the whole decoded body; aliases engine memory
}

// Routes lists a server's routes. Build it before serving; the same Routes
// may serve several servers and both modes.
type Routes struct {
	list []routeSpec
}

type routeSpec struct {
	method, path string
	h            Handler
}

// NewRoutes returns an empty route list.
func NewRoutes() *Routes { return &Routes{} }

// Handle adds a route for an exact method and path. A route for GET also
// answers HEAD, without the body. Requests for a registered path with
// another method get 405 with an Allow field.
func (rs *Routes) Handle(method, path string, h Handler) *Routes {
	rs.list = append(rs.list, routeSpec{method, path, h})
	return rs
}

// compile builds the router with each FastRoute preformatted for serverName.
func (rs *Routes) compile(serverName string) (*router.Router[LoopFunc], error) {
	rt := &router.Router[LoopFunc]{}
	if rs == nil {
		return rt, nil
	}
	for _, s := range rs.list {
		if s.h == nil {
			return nil, fmt.Errorf("engine: nil handler for %s %s", s.method, s.path)
		}
		if err := rt.Add(s.method, s.path, s.h.route(serverName)); err != nil {
			return nil, err
		}
	}
	return rt, nil
}
