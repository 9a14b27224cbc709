package engine

import (
	"fmt"
	"net"
	"strconv"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// reservePort resolves port 0 before gnet binds. With one SO_REUSEPORT
// listener per loop, gnet binds the address string once per loop, so ":0"
// would give every loop its own random port and only one would be reported.
// We bind (without listening, so it never takes a connection) a reuseport
// socket to port 0, and hand gnet the concrete port it got; the socket is
// closed once gnet's listeners hold the port.
func (s *Server) reservePort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("engine: address %q: %w", addr, err)
	}
	if port != "0" || s.cfg.SingleListener || s.cfg.Loops == 1 {
		return addr, nil
	}
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("engine: address %q: %w", addr, err)
	}
	family, sa := unix.AF_INET6, unix.Sockaddr(&unix.SockaddrInet6{})
	if ip4 := tcp.IP.To4(); ip4 != nil {
		sa4 := &unix.SockaddrInet4{}
		copy(sa4.Addr[:], ip4)
		family, sa = unix.AF_INET, sa4
	} else if tcp.IP != nil {
		copy(sa.(*unix.SockaddrInet6).Addr[:], tcp.IP.To16())
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("engine: reserve port: %w", err)
	}
	if err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err == nil {
		err = unix.Bind(fd, sa)
	}
	var bound unix.Sockaddr
	if err == nil {
		bound, err = unix.Getsockname(fd)
	}
	if err != nil {
		unix.Close(fd)
		return "", fmt.Errorf("engine: reserve port: %w", err)
	}
	s.reserved = fd
	return net.JoinHostPort(host, strconv.Itoa(sockPort(bound))), nil
}

func (s *Server) closeReservation() {
	if s.reserved >= 0 {
		unix.Close(s.reserved)
		s.reserved = -1
	}
}

// boundAddr reports the listening address. With a single listener, gnet
// can lend us a duplicate of it to ask the kernel; otherwise the port was
// fixed before binding.
func (s *Server) boundAddr(eng gnet.Engine) (net.Addr, error) {
	fd, err := eng.Dup()
	if err != nil {
		// Several listeners (reuseport): all share the configured,
		// already concrete, port.
		return net.ResolveTCPAddr("tcp", s.bindAddr)
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, fmt.Errorf("engine: getsockname: %w", err)
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}, nil
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}, nil
	}
	return nil, fmt.Errorf("engine: unexpected listener address %T", sa)
}

func sockPort(sa unix.Sockaddr) int {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return sa.Port
	case *unix.SockaddrInet6:
		return sa.Port
	}
	return 0
}
