package main

import "golang.org/x/sys/unix"

// raiseFileLimit lifts the soft descriptor limit to the hard one: every
// connection is a descriptor, and the engine's MaxConns defaults to 90% of
// the soft limit.
func raiseFileLimit() (uint64, error) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}
