// Package router matches a request's method and exact path to a route and
// keeps static responses preformatted.
//
// A Static holds a route's complete response, status line to body, with the
// current Date already in place: serving it is one atomic load and one copy.
// When the date changes, SetDate publishes new bytes; readers keep whatever
// slice they loaded, which is never modified afterwards.
//
// The router is generic in its handler type so that it stays a leaf package:
// the engine instantiates it with its own loop-handler type. Routes are
// added before serving and only read afterwards, from any goroutine.
package router
