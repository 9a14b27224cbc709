package engine

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// stopAccepting closes the server's listening sockets while its loops keep
// serving the connections they have. gnet has no call for it: its
// listeners live until the engine stops. We find them among our open file
// descriptors (listening TCP sockets bound to our port) and replace each,
// with dup3(2), by a listening Unix socket nobody can reach. The TCP socket
// closes, so the kernel stops routing new connections to it; gnet's
// descriptor number stays valid, an accept racing with the swap gets
// EAGAIN (which gnet ignores, where any other error would stop the whole
// engine), and the number is closed harmlessly when the engine stops. The
// closed socket leaves gnet's epoll set by itself.
//
// With SO_REUSEPORT and another process already listening on the port (a
// zero-downtime restart), new connections go to that process. Connections
// already in our accept queue are reset as the socket closes unless the
// kernel migrates them to another listener of the port: set
// net.ipv4.tcp_migrate_req=1 (Linux 5.14+).
func (s *Server) stopAccepting() error {
	if s.listenersClosed {
		return nil
	}
	s.listenersClosed = true
	if s.goAccept != nil {
		s.goAccept.closeListeners() // our own listeners: simply closed
		return nil
	}
	fds, err := listenerFDs(s.addr.(*net.TCPAddr).Port)
	if err != nil {
		return err
	}
	return closeListeners(fds)
}

// listenerFDs returns our descriptors that are listening TCP sockets bound
// to port.
func listenerFDs(port int) ([]int, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	var fds []int
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || v != 1 {
			continue
		}
		if t, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil || t != unix.IPPROTO_TCP {
			continue
		}
		sa, err := unix.Getsockname(fd)
		if err != nil || sockPort(sa) != port {
			continue
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

// closeListeners swaps each listener descriptor for an idle listening Unix
// socket in the abstract namespace, bound to a name nobody knows.
func closeListeners(fds []int) error {
	if len(fds) == 0 {
		return nil
	}
	idle, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("engine: idle listener: %w", err)
	}
	defer unix.Close(idle)
	name := fmt.Sprintf("@chopin-idle-%d-%d", os.Getpid(), fds[0])
	if err := unix.Bind(idle, &unix.SockaddrUnix{Name: name}); err != nil {
		return fmt.Errorf("engine: idle listener: %w", err)
	}
	if err := unix.Listen(idle, 1); err != nil {
		return fmt.Errorf("engine: idle listener: %w", err)
	}
	for _, fd := range fds {
		if err := unix.Dup3(idle, fd, unix.O_CLOEXEC); err != nil {
			return fmt.Errorf("engine: closing listener %d: %w", fd, err)
		}
	}
	return nil
}
