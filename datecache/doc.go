// Package datecache keeps the current HTTP Date (an IMF-fixdate, RFC 9110
// §5.6.7) ready to copy. A single goroutine refreshes it; readers on event
// loops pay one atomic load and never lock.
//
// The bytes returned by Cache.Load are immutable: a refresh publishes a new
// array, so a reader may keep its slice for as long as it likes.
package datecache
