//go:build !amd64 || purego

package http1

func indexCtl(v []byte) int { return indexCtlGeneric(v) }
