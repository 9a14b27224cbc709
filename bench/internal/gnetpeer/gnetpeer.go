// Package gnetpeer runs the suite's two gnet peers (gnetmin and ceiling)
// the same way: one event loop per -loops, SO_REUSEADDR, no SO_REUSEPORT,
// gnet's own logging silenced.
package gnetpeer

import (
	"flag"
	"log"

	"github.com/panjf2000/gnet/v2"
)

// LoopsFlag registers -loops on fs.
func LoopsFlag(fs *flag.FlagSet, loops *int) {
	fs.IntVar(loops, "loops", 1, "event loops")
}

// Serve runs h on addr until the process exits.
func Serve(h gnet.EventHandler, addr string, loops int) {
	err := gnet.Run(h, "tcp://"+addr,
		gnet.WithNumEventLoop(loops),
		gnet.WithReuseAddr(true),
		gnet.WithLogger(quiet{}))
	log.Fatal(err)
}

type quiet struct{}

func (quiet) Debugf(string, ...any) {}
func (quiet) Infof(string, ...any)  {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Errorf(f string, a ...any) {
	log.Printf("gnet: "+f, a...)
}
func (quiet) Fatalf(f string, a ...any) { log.Fatalf("gnet: "+f, a...) }
